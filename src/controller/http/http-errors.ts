// How errors look over HTTP: the same body as everywhere else ({error:{code,message,details}},
// as toErrorPayload gives it), with a status chosen per code. The codes UNAUTHORIZED, FORBIDDEN,
// RATE_LIMITED and NOT_FOUND belong to the HTTP surface only (no CLI command ends with them).
import { toErrorPayload, type ErrorCode } from '../../domain/errors.js';

export type HttpOnlyCode = 'UNAUTHORIZED' | 'FORBIDDEN' | 'RATE_LIMITED' | 'NOT_FOUND';

export interface HttpErrorBody {
  readonly error: {
    readonly code: ErrorCode | HttpOnlyCode;
    readonly message: string;
    readonly details: Record<string, unknown>;
  };
}

// Every code's status (the compiler refuses a code without one).
const STATUS_OF: Record<ErrorCode, number> = {
  USAGE: 400,
  TASK_FILE_INVALID: 400,
  CONFIG_INVALID: 400,
  WORKFLOW_INVALID: 400,
  WORKER_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  WORKFLOW_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  // The directory the request names is missing: the request is at fault, not the server.
  PROJECT_NOT_FOUND: 422,
  AGENT_NOT_INSTALLED: 422,
  WORKER_EXISTS: 409,
  WORKER_LIMIT: 409,
  WORKER_UNAVAILABLE: 409,
  WORKSPACE_FAILED: 409,
  POLICY_REFUSED: 403,
  AGENT_AUTH_REQUIRED: 503,
  TMUX_NOT_FOUND: 503,
  TMUX_COMMAND_FAILED: 503,
  TMUX_TIMEOUT: 503,
  TMUX_SERVER_GONE: 503,
  DAEMON_NOT_RUNNING: 503,
  DAEMON_START_FAILED: 503,
  SESSION_OWNED_ELSEWHERE: 503,
  STATE_CORRUPT: 503,
  HOME_UNSAFE: 503,
  DAEMON_UNTRUSTED: 503,
  HTTP_BIND_REFUSED: 500,
  INVALID_TRANSITION: 500,
  INTERNAL: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS_OF[code];
}

export function httpError(
  code: HttpOnlyCode,
  message: string,
  details: Record<string, unknown> = {},
): HttpErrorBody {
  return { error: { code, message, details } };
}

// A thrown value as its status and body; an internal error says only that it is one (no stack,
// no message of a library that could carry a path or a value).
export function errorReply(error: unknown): { readonly status: number; readonly body: HttpErrorBody } {
  const payload = toErrorPayload(error);
  if (payload.code === 'INTERNAL')
    return {
      status: 500,
      body: {
        error: {
          code: 'INTERNAL',
          message: 'internal error (a bug in tmuxorch): see the controller log',
          details: {},
        },
      },
    };
  return { status: httpStatusOf(payload.code), body: { error: payload } };
}
