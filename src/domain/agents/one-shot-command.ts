// The shell command a one-shot agent task runs in its worker's shell (inside the marker protocol,
// so its exit status and output are collected like any task):
//
//   set -o pipefail; if ! { <auth check>; } >/dev/null 2>&1; then printf … >&2; exit 86; fi;
//   claude -p '<prompt>' --output-format json --session-id <id> </dev/null | tee '<stdout file>'
//
// stdin is /dev/null (a headless agent must never wait for input); stdout also goes to a file so
// its JSON is parsed without the stderr the pane shows; pipefail keeps the agent's exit status.
import { shellQuote } from '../marker.js';
import { AUTH_CHECK_EXIT, type AgentProfile } from './profile.js';
import { sessionArgv } from './session-argv.js';

export interface OneShotRequest {
  readonly prompt: string;
  // The worker's conversation id (chosen by us, or read from an earlier task), or null.
  readonly sessionId: string | null;
  // Whether that conversation exists yet (an earlier task started it).
  readonly sessionStarted: boolean;
  readonly role: string;
  readonly permissionArgs?: readonly string[] | undefined;
  readonly model?: string | null | undefined;
  readonly stdoutFile: string;
}

// argv for one task: a resumed conversation where possible, else a new one (under our id if the
// CLI lets us choose it).
export function oneShotArgv(profile: AgentProfile, request: OneShotRequest): string[] {
  const spec = profile.oneShot;
  if (!spec) throw new RangeError(`${profile.type} has no one-shot mode`);
  return sessionArgv(profile, spec, request);
}

export function buildOneShotCommand(profile: AgentProfile, request: OneShotRequest): string {
  const argv = oneShotArgv(profile, request).map(shellQuote).join(' ');
  const parts = ['set -o pipefail'];
  if (profile.authCheck) {
    parts.push(
      `if ! { ${profile.authCheck}; } >/dev/null 2>&1; then printf '%s\\n' ${shellQuote(`tmuxorch: ${profile.authHint}`)} >&2; exit ${AUTH_CHECK_EXIT}; fi`,
    );
  }
  // The agent runs with the user's umask (it edits the project); its captured answer, which lives
  // in the home, is written 0600 (umask 077 in tee's subshell only).
  parts.push(`${argv} </dev/null | (umask 077; exec tee ${shellQuote(request.stdoutFile)})`);
  return parts.join('; ');
}
