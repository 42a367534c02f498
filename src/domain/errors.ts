// Typed errors with stable codes. Codes are a public contract (ARCHITECTURE.md lists them): never rename one.

export type ErrorCode =
  | 'USAGE'
  | 'TMUX_NOT_FOUND'
  | 'TMUX_COMMAND_FAILED'
  | 'TMUX_TIMEOUT'
  | 'TMUX_SERVER_GONE'
  | 'DAEMON_NOT_RUNNING'
  | 'DAEMON_START_FAILED'
  | 'SESSION_OWNED_ELSEWHERE'
  | 'WORKER_NOT_FOUND'
  | 'WORKER_EXISTS'
  | 'WORKER_LIMIT'
  | 'WORKER_UNAVAILABLE'
  | 'TASK_NOT_FOUND'
  | 'TASK_FILE_INVALID'
  | 'PROJECT_NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'STATE_CORRUPT'
  | 'CONFIG_INVALID'
  | 'AGENT_AUTH_REQUIRED'
  | 'AGENT_NOT_INSTALLED'
  | 'HOME_UNSAFE'
  | 'DAEMON_UNTRUSTED'
  | 'WORKFLOW_INVALID'
  | 'WORKFLOW_NOT_FOUND'
  | 'WORKSPACE_FAILED'
  | 'POLICY_REFUSED'
  | 'JOB_NOT_FOUND'
  | 'TOKEN_NOT_FOUND'
  | 'HTTP_BIND_REFUSED'
  | 'INTERNAL';

// Base of every error tmuxorch raises on purpose; `details` holds safe facts only, never secrets.
export abstract class TmuxorchError extends Error {
  abstract readonly code: ErrorCode;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends TmuxorchError {
  readonly code = 'USAGE';
}
export class TmuxNotFoundError extends TmuxorchError {
  readonly code = 'TMUX_NOT_FOUND';
}
export class TmuxCommandError extends TmuxorchError {
  readonly code = 'TMUX_COMMAND_FAILED';
}
export class TmuxTimeoutError extends TmuxorchError {
  readonly code = 'TMUX_TIMEOUT';
}
export class TmuxServerGoneError extends TmuxorchError {
  readonly code = 'TMUX_SERVER_GONE';
}
export class DaemonNotRunningError extends TmuxorchError {
  readonly code = 'DAEMON_NOT_RUNNING';
}
export class DaemonStartError extends TmuxorchError {
  readonly code = 'DAEMON_START_FAILED';
}
export class SessionOwnedElsewhereError extends TmuxorchError {
  readonly code = 'SESSION_OWNED_ELSEWHERE';
}
export class WorkerNotFoundError extends TmuxorchError {
  readonly code = 'WORKER_NOT_FOUND';
}
export class WorkerExistsError extends TmuxorchError {
  readonly code = 'WORKER_EXISTS';
}
export class WorkerLimitError extends TmuxorchError {
  readonly code = 'WORKER_LIMIT';
}
export class WorkerUnavailableError extends TmuxorchError {
  readonly code = 'WORKER_UNAVAILABLE';
}
export class TaskNotFoundError extends TmuxorchError {
  readonly code = 'TASK_NOT_FOUND';
}
export class TaskFileError extends TmuxorchError {
  readonly code = 'TASK_FILE_INVALID';
}
export class ProjectNotFoundError extends TmuxorchError {
  readonly code = 'PROJECT_NOT_FOUND';
}
export class InvalidTransitionError extends TmuxorchError {
  readonly code = 'INVALID_TRANSITION';
}
export class StateCorruptError extends TmuxorchError {
  readonly code = 'STATE_CORRUPT';
}
export class ConfigError extends TmuxorchError {
  readonly code = 'CONFIG_INVALID';
}
export class AgentAuthError extends TmuxorchError {
  readonly code = 'AGENT_AUTH_REQUIRED';
}
export class AgentNotInstalledError extends TmuxorchError {
  readonly code = 'AGENT_NOT_INSTALLED';
}
// The home, a directory on the way to it or to the socket, or a file in it could be changed or
// read by another user (wrong owner, writable by others, a symbolic link where a file belongs).
export class HomeUnsafeError extends TmuxorchError {
  readonly code = 'HOME_UNSAFE';
}
// What listens on the home's socket did not prove it is this home's daemon (or a client did not).
export class DaemonUntrustedError extends TmuxorchError {
  readonly code = 'DAEMON_UNTRUSTED';
}
// A workflow file (or its inputs) that cannot run: the message names file:line:col and the field.
export class WorkflowInvalidError extends TmuxorchError {
  readonly code = 'WORKFLOW_INVALID';
}
export class WorkflowNotFoundError extends TmuxorchError {
  readonly code = 'WORKFLOW_NOT_FOUND';
}
// A git worktree, branch, diff or merge operation that did not do what a step needed.
export class WorkspaceError extends TmuxorchError {
  readonly code = 'WORKSPACE_FAILED';
}
// A worker or step its role cannot hold: a bypass flag that cancels the rules, a sandbox asked for
// where bubblewrap cannot run.
export class PolicyRefusedError extends TmuxorchError {
  readonly code = 'POLICY_REFUSED';
}
export class JobNotFoundError extends TmuxorchError {
  readonly code = 'JOB_NOT_FOUND';
}
// No HTTP API token has that id or name (`tmuxorch token list` shows them).
export class TokenNotFoundError extends TmuxorchError {
  readonly code = 'TOKEN_NOT_FOUND';
}
// The HTTP API was asked to listen beyond this machine without TLS and without --insecure-bind.
export class HttpBindRefusedError extends TmuxorchError {
  readonly code = 'HTTP_BIND_REFUSED';
}
export class InternalError extends TmuxorchError {
  readonly code = 'INTERNAL';
}

const CONSTRUCTORS: Record<
  ErrorCode,
  new (message: string, details?: Record<string, unknown>) => TmuxorchError
> = {
  USAGE: UsageError,
  TMUX_NOT_FOUND: TmuxNotFoundError,
  TMUX_COMMAND_FAILED: TmuxCommandError,
  TMUX_TIMEOUT: TmuxTimeoutError,
  TMUX_SERVER_GONE: TmuxServerGoneError,
  DAEMON_NOT_RUNNING: DaemonNotRunningError,
  DAEMON_START_FAILED: DaemonStartError,
  SESSION_OWNED_ELSEWHERE: SessionOwnedElsewhereError,
  WORKER_NOT_FOUND: WorkerNotFoundError,
  WORKER_EXISTS: WorkerExistsError,
  WORKER_LIMIT: WorkerLimitError,
  WORKER_UNAVAILABLE: WorkerUnavailableError,
  TASK_NOT_FOUND: TaskNotFoundError,
  TASK_FILE_INVALID: TaskFileError,
  PROJECT_NOT_FOUND: ProjectNotFoundError,
  INVALID_TRANSITION: InvalidTransitionError,
  STATE_CORRUPT: StateCorruptError,
  CONFIG_INVALID: ConfigError,
  AGENT_AUTH_REQUIRED: AgentAuthError,
  AGENT_NOT_INSTALLED: AgentNotInstalledError,
  HOME_UNSAFE: HomeUnsafeError,
  DAEMON_UNTRUSTED: DaemonUntrustedError,
  WORKFLOW_INVALID: WorkflowInvalidError,
  WORKFLOW_NOT_FOUND: WorkflowNotFoundError,
  WORKSPACE_FAILED: WorkspaceError,
  POLICY_REFUSED: PolicyRefusedError,
  JOB_NOT_FOUND: JobNotFoundError,
  TOKEN_NOT_FOUND: TokenNotFoundError,
  HTTP_BIND_REFUSED: HttpBindRefusedError,
  INTERNAL: InternalError,
};

// The wire shape of an error (RPC replies, `--json` output).
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

// Turns any thrown value into its wire shape; unknown errors become INTERNAL.
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof TmuxorchError)
    return { code: error.code, message: error.message, details: error.details };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `internal error (a bug in tmuxorch): ${message}`, details: {} };
}

// Rebuilds a typed error from its wire shape (the RPC client side).
export function fromErrorPayload(payload: ErrorPayload): TmuxorchError {
  const Ctor = CONSTRUCTORS[payload.code] ?? InternalError;
  return new Ctor(payload.message, payload.details);
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(CONSTRUCTORS, value);
}

// Every code, for the published error schema (`tmuxorch schema error`).
export const ERROR_CODES = Object.keys(CONSTRUCTORS) as readonly ErrorCode[];
