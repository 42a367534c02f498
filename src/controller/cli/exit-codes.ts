// Exit codes: 0 ok, 1 a task or check failed (or any runtime error), 2 usage error.
import type { ErrorCode } from '../../domain/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
// A run stopped by Ctrl-C, as a shell reports a command ended by SIGINT.
export const EXIT_INTERRUPTED = 130;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set([
  'USAGE',
  'TASK_FILE_INVALID',
  'CONFIG_INVALID',
  'WORKFLOW_INVALID',
  'HTTP_BIND_REFUSED',
]);

export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? EXIT_USAGE : EXIT_FAILED;
}

// A command that has decided its exit code (e.g. `send --wait` passes on the task's own).
export class ExitRequest extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
