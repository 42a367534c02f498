// The shell worker: every worker's pane runs this bash, and agent workers start their CLI in it.
// Only our rc file is read: a predictable prompt, no history file, no surprises from a user's
// dotfiles. (bash ignores PS1 from the environment, hence a file.)

import { buildTaskFunction, shellQuote } from '../marker.js';

// The variable naming the worker's env file (the only variable put on a tmux command line).
export const ENV_FILE_VARIABLE = 'TMUXORCH_ENV_FILE';

// The worker's environment arrives in a 0600 file that the shell sources and deletes before
// anything else: a value given with `new-window -e` or `respawn-pane -e` would stay in tmux's
// message log (`show-messages`) and in `ps` of the tmux client. Only a file the user owns is read.
const SOURCE_ENV_FILE = [
  `if [ -n "\${${ENV_FILE_VARIABLE}-}" ]; then`,
  `  if [ -f "$${ENV_FILE_VARIABLE}" ] && [ -O "$${ENV_FILE_VARIABLE}" ]; then . "$${ENV_FILE_VARIABLE}"; fi`,
  `  command rm -f -- "$${ENV_FILE_VARIABLE}"`,
  `  unset ${ENV_FILE_VARIABLE}`,
  'fi',
].join('\n');

// The rc file's content: the worker's env, the prompt, no history file, and the function one-line
// tasks call.
export const WORKER_RC = [
  SOURCE_ENV_FILE,
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

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const UNSET_NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

// The env file's text: first the variables the pane must not inherit from tmux's global
// environment unset (`NAME*` = every variable starting with NAME, found by the shell itself, as
// only it sees the whole environment), then one `export NAME='value'` a variable, so what a worker
// was given explicitly stays. A name the shell cannot take is an error (add-worker checks names
// before anything starts).
export function envFileText(env: Readonly<Record<string, string>>, unset: readonly string[] = []): string {
  const lines: string[] = [];
  for (const name of unset) {
    if (!UNSET_NAME.test(name)) throw new RangeError(`not a variable name: ${JSON.stringify(name)}`);
    if (name.endsWith('*')) {
      const prefix = name.slice(0, -1);
      lines.push(
        `for __tmuxorch_v in $(compgen -e); do case $__tmuxorch_v in ${prefix}*) unset "$__tmuxorch_v";; esac; done; unset __tmuxorch_v\n`,
      );
    } else lines.push(`unset ${name}\n`);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new RangeError(`not a variable name: ${JSON.stringify(name)}`);
    lines.push(`export ${name}=${shellQuote(value)}\n`);
  }
  return lines.join('');
}
