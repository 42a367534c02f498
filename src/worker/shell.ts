// The shell worker: every worker's pane runs this bash, and agent workers start their CLI in it.
// Only our rc file is read: a predictable prompt, no history file, no surprises from a user's
// dotfiles. (bash ignores PS1 from the environment, hence a file.)

// The rc file's content.
export const WORKER_RC = ["PS1='$ '", 'PS2=', 'HISTFILE=/dev/null', 'unset PROMPT_COMMAND', ''].join('\n');

// argv of a worker pane's shell.
export function workerShell(rcFile: string): string[] {
  return ['bash', '--noprofile', '--rcfile', rcFile, '-i'];
}
