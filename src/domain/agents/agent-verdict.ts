// How an agent task ended, from its exit status and what the CLI reported: the task's status and
// reason, and what the worker should remember (its conversation, a condition like a rate limit).
// Pure; agent-tasks.ts reads the files and applies the verdict.
import type { TaskStatus } from '../task.js';
import type { AgentCondition } from '../worker.js';
import { deniedToolCalls, stderrOf, type AgentResult } from './agent-output.js';
import { AUTH_CHECK_EXIT, type AgentProfile } from './profile.js';

export interface AgentVerdict {
  readonly status: Extract<TaskStatus, 'succeeded' | 'failed'>;
  // One sentence for a failure (null on success).
  readonly reason: string | null;
  // The worker's condition after this task (null: none, the worker is fine).
  readonly condition: AgentCondition | null;
  readonly conditionUntil: string | null;
  // The conversation this task ran in, for the next one (null: keep what the worker has).
  readonly sessionId: string | null;
}

function firstLine(text: string | null): string {
  return (text ?? '').trim().split('\n')[0]?.slice(0, 300) ?? '';
}

function matchesAny(patterns: readonly string[] | undefined, text: string): boolean {
  return (patterns ?? []).some((source) => new RegExp(source, 'mi').test(text));
}

// The auth hint, after the CLI's own sentence when its exit code said auth (gemini exits 41 for
// "Invalid auth method selected." as for no auth at all: the sentence names the cause).
function authReason(profile: AgentProfile, result: AgentResult): string {
  const said = result.isError ? firstLine(result.text) : '';
  return said ? `${profile.binary ?? profile.type}: ${said} (${profile.authHint})` : profile.authHint;
}

// `output` is what the pane showed (stderr and the agent's stdout); `stdout` what the agent
// printed on stdout. Patterns are matched on what the CLI itself said: its stderr, and its result
// text only when it reports an error (an answer that merely mentions "rate limit" is no limit).
export function agentVerdict(
  profile: AgentProfile,
  exitCode: number,
  result: AgentResult,
  output: string,
  stdout = '',
): AgentVerdict {
  const sessionId = result.sessionId;
  const base = { condition: null, conditionUntil: null, sessionId };
  const meaning = exitCode === AUTH_CHECK_EXIT ? 'auth_required' : profile.exitCodes[exitCode];
  if (meaning === 'auth_required') {
    return {
      ...base,
      status: 'failed',
      reason: authReason(profile, result),
      condition: 'auth_required',
      sessionId: null,
    };
  }
  if (meaning === 'trust_prompt') {
    return {
      ...base,
      status: 'failed',
      reason: `${profile.binary ?? profile.type} does not trust the project folder: open it once in ${profile.displayName} and trust it`,
      condition: 'trust_prompt',
    };
  }
  const stderr = stderrOf(output, stdout);
  const said = `${result.isError ? (result.text ?? '') : ''}\n${stderr}`;
  const failed = exitCode !== 0 || result.isError === true;
  if (failed && (result.resetsAt || matchesAny(profile.screens.rate_limited, said))) {
    return {
      ...base,
      status: 'failed',
      reason: result.resetsAt
        ? `${profile.displayName} hit a usage limit: it takes tasks again at ${result.resetsAt}`
        : `${profile.displayName} hit a usage limit${firstLine(result.text) ? `: ${firstLine(result.text)}` : ''}`,
      condition: 'rate_limited',
      conditionUntil: result.resetsAt,
    };
  }
  if (failed && matchesAny(profile.screens.auth_required, said)) {
    return {
      ...base,
      status: 'failed',
      reason: profile.authHint,
      condition: 'auth_required',
      sessionId: null,
    };
  }
  if (failed) {
    const why = firstLine(result.text) || `${profile.binary ?? profile.type} exited with status ${exitCode}`;
    const verdict =
      exitCode === 0 ? `${profile.displayName} reported an error although it exited 0: ${why}` : why;
    return { ...base, status: 'failed', reason: verdict };
  }
  // A headless run whose tool was denied did not do what was asked, whatever it then answered.
  const denied = deniedToolCalls(profile.oneShot?.output ?? 'text', stdout);
  if (denied.length > 0) {
    const tools = denied.map((call) => requestedTool(call) ?? 'a tool');
    return { ...base, status: 'failed', reason: deniedReason([...new Set(tools)].join(', '), null) };
  }
  return { ...base, status: 'succeeded', reason: null };
}

// The tool a permission request (a PermissionRequest hook's payload) names, as Claude Code shows
// it: `Bash(touch x)`; null when it names none.
export function requestedTool(event: Readonly<Record<string, unknown>>): string | null {
  const name = typeof event.tool_name === 'string' ? event.tool_name : null;
  if (!name) return null;
  const input = event.tool_input;
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const detail = ['command', 'file_path', 'path', 'url', 'pattern']
    .map((key) => fields[key])
    .find((value): value is string => typeof value === 'string');
  return detail ? `${name}(${firstLine(detail).slice(0, 120)})` : name;
}

// Why a turn whose approval was denied failed: "denied", the tool when known, and what the agent
// said of it when it reported an error (the sim's "not approved: …").
export function deniedReason(tool: string | null, said: string | null): string {
  const what = tool ? `denied: ${tool}` : 'denied';
  const line = firstLine(said);
  return line ? `${what} (${line})` : what;
}
