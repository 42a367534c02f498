// The shell worker: every worker's pane runs this bash, and agent workers start their CLI in it.
// Only our rc file is read: a predictable prompt, no history file, no surprises from a user's
// dotfiles. (bash ignores PS1 from the environment, hence a file.)

import { buildTaskFunction } from '../domain/marker.js';

// The rc file's content: the prompt, no history file, and the function one-line tasks call.
export const WORKER_RC = [
  "PS1='$ '",
  'PS2=',
  'HISTFILE=/dev/null',
  'unset PROMPT_COMMAND',
  // tmuxorch runs with umask 077 (its own files are private); tasks get the user's umask back.
  'case "${TMUXORCH_USER_UMASK-}" in [0-7][0-7][0-7]|[0-7][0-7][0-7][0-7]) umask "$TMUXORCH_USER_UMASK";; esac',
  buildTaskFunction(),
].join('\n');

// argv of a worker pane's shell. `--noediting`: no readline. Every task is a typed line, and
// readline's per-key processing and redisplay cost ~0.7 ms of CPU a line here, more than the rest of
// the shell's work for a short task (docs/performance.md); it would also expand a typed tab into
// completion. A human in the pane still types with the terminal's own line editing (backspace,
// Ctrl-U, Ctrl-W), and `set -o emacs` turns readline back on in that pane.
export function workerShell(rcFile: string): string[] {
  return ['bash', '--noprofile', '--noediting', '--rcfile', rcFile, '-i'];
}
