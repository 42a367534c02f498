// The policy decision: what a role's rules say about one request (a command line, an edit of a
// path, a commit, a push). Pure: every layer that enforces a role asks this one function, so the
// command check, the agent's tool hook, the git hooks and the diff audit can never disagree.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { readCommandLine } from './command-line.js';
import type { Role } from './role.js';
import { DEFAULT_EFFECT, STRICTNESS, ruleText, type Effect, type PolicyAction, type Rule } from './rule.js';

export type PolicyRequest =
  | { readonly action: 'bash'; readonly command: string }
  | { readonly action: 'edit' | 'read'; readonly path: string }
  | { readonly action: 'commit' | 'push' | 'net'; readonly target?: string | undefined };

// Where the request is made: relative paths are read against the workspace.
export interface PolicyPlace {
  readonly workspace: string | null;
  // The workflow step's own directory (its outputs), `${step_dir}` in patterns.
  readonly stepDir?: string | null | undefined;
}

export interface Decision {
  readonly effect: Effect;
  // The rule that decided (null: none matched, the action's default did, or a protected path).
  readonly rule: Rule | null;
  // One sentence: what was decided about what, and why.
  readonly reason: string;
}

const STEP_DIR = '${step_dir}';

function commandMatches(pattern: string, command: string): boolean {
  if (pattern === '*') return true;
  const source = pattern
    .trim()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  // `npm test *` covers `npm test` with no arguments as well.
  const optionalTail = source.endsWith(' .*') ? `${source.slice(0, -3)}(?: .*)?` : source;
  return new RegExp(`^${optionalTail}$`, 's').test(command);
}

// A path as the rules see it: relative to the workspace when inside it, else absolute.
function rulePath(path: string, place: PolicyPlace): { readonly inside: boolean; readonly path: string } {
  const base = place.workspace;
  const absolute = isAbsolute(path) ? resolve(path) : resolve(base ?? '/', path);
  if (base) {
    const rel = relative(base, absolute);
    if (rel === '') return { inside: true, path: '.' };
    if (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)) return { inside: true, path: rel };
  }
  return { inside: false, path: absolute };
}

function pathMatches(pattern: string, path: { inside: boolean; path: string }, place: PolicyPlace): boolean {
  let glob = pattern;
  if (glob.includes(STEP_DIR)) {
    if (!place.stepDir) return false;
    glob = glob.replaceAll(STEP_DIR, resolve(place.stepDir));
  }
  // Relative globs are about the workspace, absolute ones about everywhere else.
  if (isAbsolute(glob) === path.inside) return false;
  return picomatch(glob, { dot: true })(path.path);
}

function lastMatch(role: Role, action: PolicyAction, matches: (rule: Rule) => boolean): Rule | null {
  for (let i = role.rules.length - 1; i >= 0; i--) {
    const rule = role.rules[i] as Rule;
    if (rule.action === action && matches(rule)) return rule;
  }
  return null;
}

function byRule(role: Role, action: PolicyAction, subject: string, rule: Rule | null): Decision {
  const effect = rule?.effect ?? DEFAULT_EFFECT[action];
  const verb = effect === 'allow' ? 'allows' : effect === 'deny' ? 'denies' : 'asks about';
  const why = rule ? `rule "${ruleText(rule)}"` : `no rule (the default for ${action})`;
  return { effect, rule, reason: `role ${role.name}: ${why} ${verb} ${subject}` };
}

function decidePath(role: Role, action: 'edit' | 'read', path: string, place: PolicyPlace): Decision {
  const seen = rulePath(path, place);
  const subject = `${action === 'edit' ? 'editing' : 'reading'} ${seen.path}`;
  if (action === 'edit' && seen.inside && picomatch([...role.protectedPaths], { dot: true })(seen.path)) {
    return { effect: 'deny', rule: null, reason: `role ${role.name}: ${seen.path} is a protected path` };
  }
  return byRule(
    role,
    action,
    subject,
    lastMatch(role, action, (r) => pathMatches(r.pattern, seen, place)),
  );
}

function decideCommand(role: Role, line: string, place: PolicyPlace): Decision {
  const read = readCommandLine(line);
  if (!read) {
    return {
      effect: DEFAULT_EFFECT.bash === 'allow' ? 'ask' : DEFAULT_EFFECT.bash,
      rule: null,
      reason: `role ${role.name}: the command cannot be read as plain commands (a here-document or an unclosed quote), so it is asked about`,
    };
  }
  const parts: Decision[] = [
    ...read.commands.map((command) =>
      byRule(
        role,
        'bash',
        `"${command}"`,
        lastMatch(role, 'bash', (r) => commandMatches(r.pattern, command)),
      ),
    ),
    ...read.writes.map((file) => decidePath(role, 'edit', file, place)),
  ];
  if (parts.length === 0)
    return { effect: 'allow', rule: null, reason: `role ${role.name}: an empty command` };
  // The strictest part decides; among equals, the first (the one a reader meets first).
  return parts.reduce((worst, part) => (STRICTNESS[part.effect] > STRICTNESS[worst.effect] ? part : worst));
}

export function decide(role: Role, request: PolicyRequest, place: PolicyPlace): Decision {
  switch (request.action) {
    case 'bash':
      return decideCommand(role, request.command, place);
    case 'edit':
    case 'read':
      return decidePath(role, request.action, request.path, place);
    default: {
      const target = request.target ?? '*';
      const rule = lastMatch(role, request.action, (r) => r.pattern === '*' || picomatch(r.pattern)(target));
      return byRule(
        role,
        request.action,
        request.action === 'net' ? `the network (${target})` : `a ${request.action}`,
        rule,
      );
    }
  }
}

// The effect a role has for an action as a whole (commit, push, net), for the layers that can
// only switch it on or off (git hooks, the sandbox's network).
export function effectOf(role: Role, action: 'commit' | 'push' | 'net'): Effect {
  return decide(role, { action }, { workspace: null }).effect;
}
