// An agent's argv for one run, one-shot or TUI alike: the resume form once the worker's
// conversation exists, else the first form with `{sessionArgs}` expanded to the arguments that
// start a conversation under the id tmuxorch chose (or to nothing), then the role's flags.
import type { AgentProfile } from './profile.js';

export interface ArgvTemplates {
  readonly argv: readonly string[];
  readonly resumeArgv: readonly string[] | null;
}

export interface SessionState {
  readonly sessionId: string | null;
  readonly sessionStarted: boolean;
  readonly role: string;
  // The role's rules as the CLI's own permission flags (policy/agent-permissions.ts).
  readonly permissionArgs?: readonly string[] | undefined;
  // The model the worker runs (null: the CLI's default).
  readonly model?: string | null | undefined;
  // Replaces `{prompt}` (one-shot runs).
  readonly prompt?: string;
}

export function sessionArgv(profile: AgentProfile, templates: ArgvTemplates, state: SessionState): string[] {
  const { sessionId } = state;
  const resume = state.sessionStarted && sessionId !== null && templates.resumeArgv !== null;
  const template = resume && templates.resumeArgv ? templates.resumeArgv : templates.argv;
  const newSession = profile.oneShot?.newSession ?? null;
  const sessionArgs = !resume && sessionId !== null && newSession ? newSession : [];
  const fill = (arg: string): string =>
    arg.replaceAll('{sessionId}', sessionId ?? '').replaceAll('{prompt}', state.prompt ?? '');
  const argv = template.flatMap((arg) => (arg === '{sessionArgs}' ? sessionArgs.map(fill) : [fill(arg)]));
  const model = state.model
    ? (profile.modelArgs ?? []).map((arg) => arg.replaceAll('{model}', state.model ?? ''))
    : [];
  return [...argv, ...model, ...(profile.roleArgs[state.role] ?? []), ...(state.permissionArgs ?? [])];
}
