// What an agent CLI printed before it exited, read off its pane: the last few lines that are
// neither the worker shell's prompt (typed commands included) nor tmuxorch's own marker lines.
// It names the cause of a worker that keeps dying ("Session ID … already exists").
import { BEGIN_MARKER_PREFIX, END_MARKER_PREFIX, READY_MARKER_PREFIX } from '../marker.js';
import { cleanLine } from '../terminal-text.js';

const LAST_LINES = 3;
const MAX_CHARS = 300;
// The worker shell's PS1 (worker/shell.ts) and tmuxorch's marker lines.
const MARKERS = [BEGIN_MARKER_PREFIX, END_MARKER_PREFIX, READY_MARKER_PREFIX];
const isShellLine = (line: string): boolean =>
  line === '$' || line.startsWith('$ ') || MARKERS.some((m) => line.includes(m.slice(0, -1)));

// The CLI's last lines on one line ("a / b / c"), or null when it printed nothing.
export function lastWords(screen: string): string | null {
  const lines = screen
    .split('\n')
    .map((line) => cleanLine(line).trim())
    .filter((line) => line !== '' && !isShellLine(line));
  const words = lines.slice(-LAST_LINES).join(' / ');
  if (words === '') return null;
  return words.length > MAX_CHARS ? `${words.slice(0, MAX_CHARS - 1)}…` : words;
}
