// The second enforcement layer: each agent CLI's own permission flags, made from a role's rules.
// tmuxorch's hooks (PreToolUse, the command check, the git hooks, the diff audit) decide each
// request exactly; these flags are coarser, so that a CLI whose hook did not run still stays
// near its role. Where a CLI cannot say what a rule says, `notes` says so (`tmuxorch roles show`).
// Every flag and key here was checked against the installed CLI (Claude Code 2.1.197, Codex
// 0.171.0, Gemini CLI 0.61.0) unless a comment says otherwise.
import { isAbsolute } from 'node:path';
import type { Role } from './role.js';
import { DEFAULT_EFFECT, type Effect, type Rule } from './rule.js';

export type PermissionDialect = 'claude' | 'codex' | 'gemini' | 'opencode' | 'sim';

export interface CliPermissions {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}

const STEP_DIR = '${step_dir}';

// A bash pattern as the CLIs can take it: a prefix (`git status *`, which also covers
// `git status` alone), an exact command (`pwd`), or neither (`find * -delete*`).
type CommandShape = { kind: 'prefix' | 'exact'; text: string } | { kind: 'glob' };

function shapeOf(pattern: string): CommandShape {
  const text = pattern.trim();
  if (!text.includes('*')) return { kind: 'exact', text };
  const head = text.slice(0, -2);
  if (text.endsWith(' *') && !head.includes('*') && head.trim() !== '')
    return { kind: 'prefix', text: head.trim() };
  return { kind: 'glob' };
}

// The literal start every command a pattern matches begins with (`find * -x` → `find `).
function literalHead(pattern: string): string {
  return pattern.trim().split('*')[0] ?? '';
}

// Whether a later rule can match some command an allowance covers: one's literal head starts
// with the other's (an over-approximation, which only ever drops an allowance).
function overlaps(allow: string, later: string): boolean {
  const a = literalHead(allow).trimEnd();
  const b = literalHead(later).trimEnd();
  return a.startsWith(b) || b.startsWith(a);
}

interface EditScope {
  // Some rule lets it edit inside the workspace (a relative glob), not taken back by a later
  // non-allow rule for every path (`edit deny **`).
  readonly workspace: boolean;
  // It may edit anything at all (its step's files included).
  readonly somewhere: boolean;
}

function editScope(role: Role): EditScope {
  const edits = role.rules.filter((r) => r.action === 'edit');
  let workspace = false;
  let somewhere = false;
  for (const rule of edits) {
    const everything = rule.pattern === '**' || rule.pattern === '**/*';
    if (rule.effect === 'allow') {
      somewhere = true;
      if (!isAbsolute(rule.pattern) && !rule.pattern.includes(STEP_DIR)) workspace = true;
    } else if (everything) workspace = false;
  }
  return { workspace, somewhere };
}

// The effect of the last rule of an action that covers everything (`*`), else the default:
// what a switch that is all or nothing (the network, commits) should say.
function overallEffect(role: Role, action: 'net'): Effect {
  const rule = role.rules.findLast((r) => r.action === action && r.pattern === '*');
  return rule?.effect ?? DEFAULT_EFFECT[action];
}

const bashRules = (role: Role): Rule[] => role.rules.filter((r) => r.action === 'bash');

// Notes every dialect shares: the rule kinds no CLI flag carries.
function commonNotes(role: Role): string[] {
  const notes: string[] = [];
  if (role.rules.some((r) => r.action === 'commit' || r.action === 'push'))
    notes.push('commit and push rules are enforced by tmuxorch’s git hooks, not by the CLI.');
  if (role.rules.some((r) => r.action === 'read' && !(r.effect === 'allow' && r.pattern === '**')))
    notes.push('read rules narrower than reading everything are checked by tmuxorch’s hook only.');
  if (role.rules.some((r) => r.action === 'net' && r.pattern !== '*'))
    notes.push('net rules for single hosts cannot be expressed: the CLI’s network switch is all or nothing.');
  return notes;
}

// Claude Code: `--permission-mode`, `--allowedTools=…`, `--disallowedTools=…`. Each list is one
// `--flag=a,b` argument: the flags are variadic (`<tools...>`), so a spaced form would swallow a
// prompt or option value that follows; with `=` nothing else is taken (verified: rules with
// spaces inside the parentheses, `Bash(git status:*)`, survive the comma list). `Bash(x:*)` is a
// word-bounded prefix that also matches `x` alone, like tmuxorch's `x *` (verified: `touc:*`
// does not allow `touch …`). Deny rules beat allow rules whatever their order (verified).
function claudePermissions(role: Role): CliPermissions {
  const edits = editScope(role);
  const net = overallEffect(role, 'net');
  const rules = bashRules(role);
  const allowed = ['Read', 'Grep', 'Glob'];
  const disallowed: string[] = [];
  const asClaude = (shape: CommandShape): string | null =>
    shape.kind === 'prefix' ? `Bash(${shape.text}:*)` : shape.kind === 'exact' ? `Bash(${shape.text})` : null;
  rules.forEach((rule, i) => {
    const entry = asClaude(shapeOf(rule.pattern));
    if (rule.effect === 'deny' && entry) disallowed.push(entry);
    if (rule.effect !== 'allow' || !entry) return;
    // Claude has no ask flag and would run whatever the allow-list names: an allowance a later
    // ask rule narrows (`rm *` under `rm -rf *`), or one a later inexpressible deny does, is
    // left off, so Claude asks (and the hook answers).
    const narrowed = rules
      .slice(i + 1)
      .some(
        (later) =>
          later.effect !== 'allow' &&
          (later.effect === 'ask' || !asClaude(shapeOf(later.pattern))) &&
          overlaps(rule.pattern, later.pattern),
      );
    if (!narrowed) allowed.push(entry);
  });
  // No Edit/Write on the allow-list: bare names would approve edits outside the workspace too,
  // which `edit ask /**` asks about; acceptEdits accepts edits inside it. MultiEdit and LS are
  // not tools of 2.1.197 (its init message lists Edit, Write, NotebookEdit; a deny rule
  // "MultiEdit" prints "matches no known tool"), so they are not named.
  if (!edits.somewhere) disallowed.push('Edit', 'Write', 'NotebookEdit');
  if (net === 'deny') disallowed.push('WebFetch', 'WebSearch');
  if (net === 'allow') allowed.push('WebFetch', 'WebSearch');
  const notes = [
    'edit rules by path are not flags: acceptEdits accepts every edit inside the workspace, and tmuxorch’s PreToolUse hook decides each path (the step’s files included).',
    ...(rules.some((r) => shapeOf(r.pattern).kind === 'glob')
      ? [
          'bash patterns with `*` other than one trailing ` *` (such as `find * -delete*`) have no Claude rule: the hook checks them.',
        ]
      : []),
    ...(rules.some((r) => r.effect === 'ask')
      ? [
          'bash ask rules have no flag: the allowances they narrow are left off --allowedTools, so Claude asks.',
        ]
      : []),
    ...commonNotes(role),
  ];
  // `plan` is not used: it would block the step's own output files, which the hook allows.
  const args = [
    '--permission-mode',
    edits.workspace ? 'acceptEdits' : 'default',
    `--allowedTools=${allowed.join(',')}`,
  ];
  if (disallowed.length > 0) args.push(`--disallowedTools=${disallowed.join(',')}`);
  return { args, env: {}, notes };
}

// Codex: `-c` overrides, not `-s`, since `codex exec resume` refuses `-s` (exit 2) and takes
// `-c` (verified). The values were checked by `codex -c … features list`, which loads the config
// and fails on a bad value ("unknown variant", "expected a boolean"); `codex exec`'s banner
// shows them applied ("sandbox: workspace-write […] (network access enabled)").
// No approval_policy: `codex exec` already runs with `approval: never` (its banner says so), and
// these args also go to the TUI, where `never` would silence every question a role asks.
function codexPermissions(role: Role): CliPermissions {
  const edits = editScope(role);
  const args = edits.workspace
    ? [
        '-c',
        'sandbox_mode="workspace-write"',
        '-c',
        `sandbox_workspace_write.network_access=${overallEffect(role, 'net') === 'allow'}`,
      ]
    : ['-c', 'sandbox_mode="read-only"'];
  const notes = [
    'bash rules have no Codex flag: tmuxorch’s command check, diff audit and sandbox enforce them.',
    'Codex hooks would run the PreToolUse check, but untrusted hooks are skipped unless --dangerously-bypass-hook-trust, so they are not relied on.',
    'edit rules by path are not flags: workspace-write lets it write the whole workspace (and /tmp); the diff audit checks each path.',
    ...(edits.workspace
      ? []
      : ['read-only also blocks the step’s own files: the agent reports them in its answer.']),
    ...commonNotes(role),
  ];
  return { args, env: {}, notes };
}

// Gemini: `--approval-mode` only (`plan` is not used, for the reason given for Claude). Its
// shell rules live in the policy engine (geminiPolicyToml), not in flags: `--allowed-tools` is
// deprecated and variadic, and a `run_shell_command(git push)` entry in settings `tools.exclude`
// does nothing in 0.61 (it becomes a deny rule whose tool name, parentheses and all, matches no
// tool: createPolicyEngineConfig and ruleMatches in the bundle).
function geminiPermissions(role: Role): CliPermissions {
  const edits = editScope(role);
  const notes = [
    'bash rules are not flags: geminiPolicyToml renders them as a policy file, which tmuxorch does not yet hand to gemini (its settings path must be root-owned), so the diff audit, the git hooks and a sandbox hold them.',
    'edit rules by path are not flags: auto_edit accepts every edit, and tmuxorch’s BeforeTool hook decides each path.',
    ...commonNotes(role),
  ];
  return { args: ['--approval-mode', edits.workspace ? 'auto_edit' : 'default'], env: {}, notes };
}

const POLICY_ESCAPES = /[.*+?^${}()|[\]\\]/g;
// A piece of a command as it appears inside the JSON of the tool's arguments, as a regex.
const jsonLiteral = (text: string): string =>
  JSON.stringify(text).slice(1, -1).replace(POLICY_ESCAPES, '\\$&');
// A `*` of a pattern. Gemini refuses nested quantifiers ("Unsafe regex pattern (potential
// ReDoS)", seen with 0.61), so it is no exact "any JSON string text": an allowance takes `[^"]*`,
// which stops at the command's closing quote (and at an escaped one: narrower), a denial or an
// ask `.*`, which may run on into the other arguments (stricter).
const wildcard = (effect: Effect): string => (effect === 'allow' ? '[^"]*' : '.*');

// A Gemini policy file (TOML) for a role's bash rules and its all-or-nothing tool denials.
// Priorities grow with the rule's position, so the last match wins as in tmuxorch; user-tier
// rules (policyPaths) outrank gemini's defaults. `commandPrefix` is word-bounded (it matches
// `git status` and `git status -s`); the rest are `commandRegex`, tested after `"command":"`.
// `ask_user` is a denial in headless runs (docs/reference/policy-engine.md).
export function geminiPolicyToml(role: Role): string {
  const decision: Record<Effect, string> = { allow: 'allow', deny: 'deny', ask: 'ask_user' };
  const blocks = bashRules(role).map((rule, i) => {
    const shape = shapeOf(rule.pattern);
    const match =
      shape.kind === 'prefix'
        ? `commandPrefix = ${JSON.stringify(shape.text)}`
        : shape.kind === 'exact'
          ? `commandRegex = ${JSON.stringify(`${jsonLiteral(shape.text)}"`)}`
          : `commandRegex = ${JSON.stringify(`${rule.pattern.trim().split('*').map(jsonLiteral).join(wildcard(rule.effect))}"`)}`;
    return `[[rule]]\ntoolName = "run_shell_command"\n${match}\ndecision = "${decision[rule.effect]}"\npriority = ${Math.min(100 + i, 998)}\n`;
  });
  const denied = [
    ...(editScope(role).somewhere ? [] : ['write_file', 'replace']),
    ...(overallEffect(role, 'net') === 'deny' ? ['web_fetch', 'google_web_search'] : []),
  ];
  if (denied.length > 0)
    blocks.push(`[[rule]]\ntoolName = ${JSON.stringify(denied)}\ndecision = "deny"\npriority = 999\n`);
  return `# tmuxorch role ${role.name}\n${blocks.join('\n')}`;
}

// What tmuxorch merges into the system settings file it writes for gemini's hooks: the policy
// file, and YOLO refused even when a flag asks for it. A `--policy` flag replaces policyPaths.
export function geminiSettingsPermissions(policyFile: string): Record<string, unknown> {
  return { policyPaths: [policyFile], security: { disableYoloMode: true } };
}

// OpenCode's `permission` object. Unverified here (opencode is not installed): the schema is
// AGENTS.md §5 (`"permission": {"bash": "ask"}` verified there) and opencode.ai/docs/permissions,
// where in a pattern object the last matching key wins, so `*` comes first. Edits: one effect;
// `ask` when only the step's files may be edited, so the plugin (and a person) can answer.
function opencodePermission(role: Role): Record<string, unknown> {
  const edits = editScope(role);
  const bash: Record<string, Effect> = { '*': DEFAULT_EFFECT.bash };
  for (const rule of bashRules(role)) {
    delete bash[rule.pattern];
    bash[rule.pattern] = rule.effect;
  }
  return {
    edit: edits.workspace ? 'allow' : edits.somewhere ? 'ask' : 'deny',
    bash,
    webfetch: overallEffect(role, 'net'),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// OPENCODE_CONFIG_CONTENT with the role's `permission` in place of the user's (null: theirs is
// not a JSON object, as in opencodeConfigContent).
export function opencodePermissionConfig(base: string | undefined, role: Role): string | null {
  let config: Record<string, unknown> = {};
  if (base !== undefined && base.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(base);
      if (!isObject(parsed)) return null;
      config = parsed;
    } catch {
      return null;
    }
  }
  return JSON.stringify({ ...config, permission: opencodePermission(role) });
}

export function cliPermissions(dialect: PermissionDialect, role: Role): CliPermissions {
  switch (dialect) {
    case 'claude':
      return claudePermissions(role);
    case 'codex':
      return codexPermissions(role);
    case 'gemini':
      return geminiPermissions(role);
    case 'opencode':
      return {
        args: [],
        env: {},
        notes: [
          'the rules are the `permission` object merged into OPENCODE_CONFIG_CONTENT (opencodePermissionConfig); edit paths and commit/push are left to tmuxorch’s plugin and git hooks.',
        ],
      };
    case 'sim':
      // Its PreToolUse hook asks decide() itself: no coarser layer is needed.
      return { args: [], env: {}, notes: [] };
  }
}
