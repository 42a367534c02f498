// The marker protocol, build side (marker-scanner.ts is the parse side).
//
// A one-line command is typed as a call of a shell function defined by the worker's rc file; any
// other command runs as a script file that the worker's interactive shell sources:
//
//   typed into the pane:  … __tmuxorch_task_1 <id> 'echo hi'     (never contains a marker)
//                    or:  . '/…/tasks/<id>/run.sh'
//   the pane then shows:  ---BEGIN-OUTPUT-<id>---
//                         …whatever the command printed…
//                         (one extra newline, so a last line without `\n` still ends)
//                         ---END-OF-OUTPUT-<id>:<exit status>@<bash $EPOCHREALTIME>---
//
// The end time in the end marker is the shell's own clock: a task collected after a controller
// restart reports when it really ended, with no extra file written per task.
//
// Rules this file enforces (DESIGN.md "The marker protocol", TMUX-LIMITS.md pitfalls):
// - the shell echoes every typed line at once, so no typed line contains a whole marker; markers
//   are printed at run time from split literals (`printf '\n%s%s\n' '---READY' '-<id>---'`);
// - every marker is printed after a newline of its own: the worker shell has no readline, so a
//   line typed before its prompt appears is echoed by the terminal first, and the prompt then
//   shares a line with whatever the shell prints next (`$ ---READY-…`), which is not a marker line;
// - ids are fresh random words of a safe alphabet, so one task's end line never matches another;
// - typed lines stay far below the 4096-byte tty line limit (MAX_TYPED_LINE_BYTES).

// Marker ids: what nanoid and uuid produce, and nothing a shell or tmux would interpret.
export const MARKER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;

// Upper bound for a line the controller types into a pane (the tty limit is 4096 bytes).
export const MAX_TYPED_LINE_BYTES = 1024;

export const BEGIN_MARKER_PREFIX = '---BEGIN-OUTPUT-';
export const END_MARKER_PREFIX = '---END-OF-OUTPUT-';
export const READY_MARKER_PREFIX = '---READY-';
export const MARKER_SUFFIX = '---';

// The name the task script uses for the exit status; unset again before the script ends.
export const SCRIPT_STATUS_VARIABLE = '__tmuxorch_rc';

// Whether an id may be used in a marker.
export function isSafeMarkerId(id: string): boolean {
  return MARKER_ID_PATTERN.test(id);
}

function assertSafeId(id: string, what: string): void {
  if (!isSafeMarkerId(id)) {
    throw new RangeError(
      `${what} must match ${String(MARKER_ID_PATTERN)}, got ${JSON.stringify(id.slice(0, 80))}`,
    );
  }
}

// The line printed right before a task's output.
export function beginMarker(taskId: string): string {
  assertSafeId(taskId, 'task id');
  return `${BEGIN_MARKER_PREFIX}${taskId}${MARKER_SUFFIX}`;
}

// The line printed right after a task's output, with its exit status and, optionally, when the
// command ended (seconds since the epoch, as bash's $EPOCHREALTIME prints it).
export function endMarker(taskId: string, exitCode: number, endedAtSeconds?: string): string {
  assertSafeId(taskId, 'task id');
  if (!Number.isSafeInteger(exitCode) || exitCode < 0) {
    throw new RangeError(`exit code must be a non-negative integer, got ${exitCode}`);
  }
  const ended = endedAtSeconds === undefined ? '' : `@${endedAtSeconds}`;
  return `${END_MARKER_PREFIX}${taskId}:${exitCode}${ended}${MARKER_SUFFIX}`;
}

// The end time an end marker carries, in ms since the epoch with the shell's µs, or null
// ($EPOCHREALTIME is empty before bash 5; some locales print a decimal comma).
export function parseEndedAtMs(seconds: string | undefined): number | null {
  if (!seconds) return null;
  const value = Number.parseFloat(seconds.replace(',', '.'));
  return Number.isFinite(value) && value > 0 ? value * 1000 : null;
}

// The line a shell prints when it is at its prompt and reads input again.
export function readyMarker(probeId: string): string {
  assertSafeId(probeId, 'probe id');
  return `${READY_MARKER_PREFIX}${probeId}${MARKER_SUFFIX}`;
}

// POSIX single-quoting: the shell reads the result back as exactly `text`.
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

// Bytes a string takes as UTF-8 (what the tty line discipline counts).
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function assertTypable(line: string): string {
  const bytes = utf8ByteLength(line);
  if (bytes > MAX_TYPED_LINE_BYTES) {
    throw new RangeError(`typed line is ${bytes} bytes, the limit is ${MAX_TYPED_LINE_BYTES}`);
  }
  return line;
}

// Prints the end marker from split literals; "$1" is the task id in the task function.
const END_MARKER_PRINT = `builtin printf '\\n%s-%s:%d@%s${MARKER_SUFFIX}\\n' '${END_MARKER_PREFIX.slice(0, -1)}' "$1" "$${SCRIPT_STATUS_VARIABLE}" "$EPOCHREALTIME"`;

// The script a worker shell sources to run one task. Design choices:
// - the command runs in a subshell, so `exit`, `cd`, `set -e`, `export` cannot end or change the
//   worker shell;
// - the command is handed to `eval` as one single-quoted word placed on its own lines: a heredoc in
//   it ends on its own delimiter line, and a syntax error in it (an unmatched quote or `)`) makes
//   eval fail with status 2 instead of swallowing the end marker, so the task still ends;
// - both markers are printed from split literals, so the script text itself never holds them and
//   `set -x` traces (`+ builtin printf …`) never look like one; `builtin` skips user functions;
// - `printf '\n…'` ends a last output line that has no newline; the scanner drops that one `\n`.
export function buildTaskScript(taskId: string, command: string): string {
  assertSafeId(taskId, 'task id');
  const body = command.endsWith('\n') ? command : `${command}\n`;
  const status = SCRIPT_STATUS_VARIABLE;
  return [
    `# tmuxorch task ${taskId}: sourced by the worker shell, do not edit`,
    `builtin printf '\\n%s%s\\n' '${BEGIN_MARKER_PREFIX.slice(0, -1)}' '-${taskId}${MARKER_SUFFIX}'`,
    '(',
    `eval ${shellQuote(body)}`,
    ')',
    `${status}=$?`,
    END_MARKER_PRINT.replace('"$1"', `'${taskId}'`),
    `unset ${status}`,
    '',
  ].join('\n');
}

// The shell function that runs a one-line task (the same steps as the task script, with the command
// as an argument). Versioned: a pane whose shell was started by an older tmuxorch lacks this exact
// name, so the typed line defines it first (see buildTaskLine).
export const TASK_FUNCTION = '__tmuxorch_task_1';

export function buildTaskFunction(): string {
  const status = SCRIPT_STATUS_VARIABLE;
  return [
    `${TASK_FUNCTION}() {`,
    `  builtin printf '\\n%s-%s${MARKER_SUFFIX}\\n' '${BEGIN_MARKER_PREFIX.slice(0, -1)}' "$1"`,
    // `set --` first: the command must not see the function's arguments as $1 and $2.
    '  ( eval "set --;$2" )',
    `  ${status}=$?`,
    `  ${END_MARKER_PRINT}`,
    `  unset ${status}`,
    '}',
    '',
  ].join('\n');
}

// C0 controls and DEL would act as keys (Enter, C-c …) when typed; a marker prefix in a typed line
// would be echoed and could confuse a human reading the pane, so neither may be in a path.
// eslint-disable-next-line no-control-regex
const UNTYPABLE = /[\x00-\x1f\x7f]/;
const MARKER_PREFIXES = [BEGIN_MARKER_PREFIX, END_MARKER_PREFIX, READY_MARKER_PREFIX];

function assertTypablePath(path: string): void {
  if (path.length === 0) throw new RangeError('path is empty');
  if (UNTYPABLE.test(path)) throw new RangeError('path contains control characters');
  if (MARKER_PREFIXES.some((prefix) => path.includes(prefix))) {
    throw new RangeError('path contains a marker prefix');
  }
}

// The line typed into a worker pane to run a task script: `. '<path>'`.
export function buildSourceLine(scriptPath: string): string {
  assertTypablePath(scriptPath);
  return assertTypable(`. ${shellQuote(scriptPath)}`);
}

// The line typed into a worker pane to run a one-line command through the task function, or null
// when the command must go through a script file instead: it has control characters (a newline,
// a tab that would trigger completion …), a marker prefix, or would make the line too long. The
// line first sources the rc file if this shell lacks the function (it predates it, or a human
// replaced the shell).
export function buildTaskLine(taskId: string, command: string, rcFile: string): string | null {
  assertSafeId(taskId, 'task id');
  assertTypablePath(rcFile);
  if (UNTYPABLE.test(command) || MARKER_PREFIXES.some((prefix) => command.includes(prefix))) return null;
  const line = `declare -F ${TASK_FUNCTION} >/dev/null || . ${shellQuote(rcFile)}; ${TASK_FUNCTION} ${taskId} ${shellQuote(command)}`;
  return utf8ByteLength(line) <= MAX_TYPED_LINE_BYTES ? line : null;
}

// A line that makes a shell at its prompt print readyMarker(probeId) as a whole line, while the
// echoed typed text does not contain it: `printf '\n%s%s\n' '---READY' '-<id>---'`.
export function buildReadyProbe(probeId: string): string {
  assertSafeId(probeId, 'probe id');
  return assertTypable(
    `printf '\\n%s%s\\n' '${READY_MARKER_PREFIX.slice(0, -1)}' '-${probeId}${MARKER_SUFFIX}'`,
  );
}
