// What each enforcement layer does with a role for one agent type: the answer to `tmuxorch roles
// show R --type T`, and a statement of where a rule holds and where it cannot be made to.
import type { AgentProfile } from '../agents/profile.js';
import type { Role } from './role.js';
import { effectOf } from './decide.js';
import { ruleText } from './rule.js';

export type LayerName = 'commands' | 'cli-flags' | 'tool-hook' | 'git' | 'diff-audit' | 'sandbox';
export type LayerHold = 'enforced' | 'partial' | 'none';

export interface LayerView {
  readonly layer: LayerName;
  readonly holds: LayerHold;
  readonly what: string;
}

export interface RoleView {
  readonly name: string;
  readonly description: string;
  readonly agent: string | null;
  readonly sandbox: boolean;
  readonly rules: readonly string[];
  readonly protectedPaths: readonly string[];
  // For `roles show --type T`: the layers, in the order a tool call meets them.
  readonly type: string | null;
  readonly layers: readonly LayerView[];
}

// The agent CLIs whose PreToolUse hook tmuxorch wires to `tmuxorch policy check`.
const HOOKED = new Set(['claude', 'sim']);
const NO_HOOK: Readonly<Record<string, string>> = {
  codex:
    'not wired: codex runs only hooks a person trusted in its TUI (and `--dangerously-bypass-hook-trust` would cancel its other checks), so its tool calls are checked by the layers below',
  gemini:
    "BeforeTool runs tmuxorch policy check before each tool call (deny blocks it with the reason, ask waits for tmuxorch approve) where gemini reads our settings file: only where root owns every directory above tmuxorch's state (tmuxorch doctor says); elsewhere the layers below hold",
  opencode:
    "tmuxorch's plugin (tool.execute.before) runs tmuxorch policy check before each tool call: deny fails the call with the reason, ask waits for tmuxorch approve (headless and TUI alike)",
  aider: 'none: aider has no tool hook; only the git hooks, the diff audit and a sandbox hold its role',
};

function flagLayer(
  profile: AgentProfile,
  flags: { args: readonly string[]; notes: readonly string[] } | null,
): LayerView {
  if (profile.binary === null)
    return { layer: 'cli-flags', holds: 'none', what: 'a shell has no permission flags' };
  if (!flags || (flags.args.length === 0 && flags.notes.length === 0))
    return {
      layer: 'cli-flags',
      holds: 'none',
      what: `${profile.displayName} takes no permission flags from tmuxorch`,
    };
  const args = flags.args.length > 0 ? `adds ${flags.args.join(' ')}` : 'adds no flags';
  const notes = flags.notes.length > 0 ? `; ${flags.notes.join('; ')}` : '';
  return {
    layer: 'cli-flags',
    holds: flags.notes.length > 0 ? 'partial' : 'enforced',
    what: `${args}${notes}`,
  };
}

export function roleView(
  role: Role,
  profile: AgentProfile | null,
  flags: { args: readonly string[]; notes: readonly string[] } | null,
): RoleView {
  const base = {
    name: role.name,
    description: role.description,
    agent: role.agent,
    sandbox: role.sandbox,
    rules: role.rules.map(ruleText),
    protectedPaths: role.protectedPaths,
  };
  if (!profile) return { ...base, type: null, layers: [] };
  const shell = profile.binary === null;
  const commit = effectOf(role, 'commit');
  const push = effectOf(role, 'push');
  const layers: LayerView[] = [
    shell
      ? {
          layer: 'commands',
          holds: 'enforced',
          what: 'every command sent is checked before it is typed: deny ends it denied, ask waits for tmuxorch approve',
        }
      : {
          layer: 'commands',
          holds: 'none',
          what: "a task is a prompt, not a command: the agent's own commands meet the layers below",
        },
    flagLayer(profile, flags),
    shell
      ? { layer: 'tool-hook', holds: 'none', what: 'a shell has no tool calls' }
      : HOOKED.has(profile.type)
        ? {
            layer: 'tool-hook',
            holds: 'enforced',
            what: 'PreToolUse runs tmuxorch policy check before each tool call: deny goes back to the agent with the reason, ask waits for tmuxorch approve (headless and TUI alike)',
          }
        : {
            layer: 'tool-hook',
            holds: profile.type === 'gemini' ? 'partial' : profile.type === 'opencode' ? 'enforced' : 'none',
            what: NO_HOOK[profile.type] ?? 'none known for this CLI',
          },
    {
      layer: 'git',
      holds: 'partial',
      what: `a workflow step's worktree has hooks of its own: commit ${commit}, push ${push}, from any process there (also with --no-verify); a process that overrides core.hooksPath (git -c) gets past them, which the diff audit still catches; a plain worker's checkout is yours and is not guarded`,
    },
    {
      layer: 'diff-audit',
      holds: 'enforced',
      what: 'after every workflow step: a change to a path the role may not edit, or a protected path, fails the step as policy_violation; the change stays on the step branch and is never merged (a plain worker has no step end to audit)',
    },
    role.sandbox
      ? {
          layer: 'sandbox',
          holds: 'enforced',
          what: `bubblewrap: the workspace writable, everything else read-only, ${effectOf(role, 'net') === 'allow' ? 'the network open (a net rule allows it)' : 'no network'}; the daemon's key hidden, so the agent reaches tmuxorch only as its own hook and cannot approve its own asks`,
        }
      : {
          layer: 'sandbox',
          holds: 'none',
          what: "off (sandbox: true in the role runs its agent under bubblewrap); unsandboxed, the agent runs as you and can read the daemon's key, so it could answer its own asks",
        },
  ];
  return { ...base, type: profile.type, layers };
}
