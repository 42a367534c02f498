// Output of an attempt that never printed its end marker (timed out, cancelled, interrupted):
// everything after its begin line, cleaned like a finished task's output.
import { beginMarker } from './marker.js';
import { cleanLine } from './terminal-text.js';

export function partialOutput(rawLog: string, taskId: string): string {
  const lines = rawLog.replaceAll('\r\n', '\n').split('\n');
  const begin = beginMarker(taskId);
  const start = lines.findIndex((line) => cleanLine(line) === begin);
  if (start < 0) return '';
  const rest = lines.slice(start + 1);
  // The last element is the prompt or a partial line; keep it unless it is only a prompt.
  if (rest.length && /^\s*\$\s*$/.test(cleanLine(rest[rest.length - 1] ?? ''))) rest.pop();
  return rest.map(cleanLine).join('\n');
}
