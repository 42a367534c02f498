// A task's output in its two forms: the raw pane bytes (kept as they are, `output.raw`) and the
// text a person saw on the pane (`output`), which only a terminal emulator can tell once the task
// moved its cursor, erased or redrew a line (jest's `RUNS` lines, npm's spinner).
import { beginMarker } from './marker.js';
import { cleanLine } from './terminal-text.js';

// The port: turns a task's raw output (LF line ends) into the text a person saw on the pane.
// The application passes one wherever output is produced; src/infrastructure/terminal has it.
export interface OutputRenderer {
  render(raw: string): Promise<string>;
}

// Raw output of an attempt that never printed its end marker (timed out, cancelled, interrupted):
// everything after its begin line, with LF line ends as the marker scanner keeps it. The begin
// line is found the way the scanner finds it (a whole line once cleaned); nothing is rendered here.
export function partialRawOutput(rawLog: string, taskId: string): string {
  const lines = rawLog.replaceAll('\r\n', '\n').split('\n');
  const begin = beginMarker(taskId);
  const start = lines.findIndex((line) => cleanLine(line) === begin);
  if (start < 0) return '';
  const rest = lines.slice(start + 1);
  // The last element is the prompt or a partial line; keep it unless it is only a prompt.
  if (rest.length && /^\s*\$\s*$/.test(cleanLine(rest[rest.length - 1] ?? ''))) rest.pop();
  return rest.join('\n');
}
