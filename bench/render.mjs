// Figure 6: what rendering a task's output costs, in-process, against the old per-line stripping
// of the same text measured in the same run (so a loaded machine shifts both alike):
//   heavy  = a real jest run's pane bytes (test/fixtures/render/jest-progress.raw, 182 ESC[1A),
//            repeated to ~1 MB, through the terminal emulator;
//   short  = a short task's SGR-coloured line, which stays on the fast path (no emulator).
import { readFile } from 'node:fs/promises';
import { cleanLine } from '../dist/domain/terminal-text.js';
import { TerminalRenderer } from '../dist/infrastructure/terminal/terminal-renderer.js';
import { monoMs } from './stats.mjs';

const HEAVY_BYTES = 1024 * 1024;
const HEAVY_RUNS = 7;
const SHORT_CALLS = 20_000;
const SHORT_OUTPUT = '\x1b[32mok\x1b[0m 3 tests passed\n';
// Figure 3c's tasks: one line printed, or a progress line erased and then one printed.
export const PLAIN_COMMAND = 'echo ok';
export const REDRAWN_COMMAND = "printf 'RUNS ./a.test.js\\r\\033[K'; echo ok";
const JEST_CAPTURE = new URL('../test/fixtures/render/jest-progress.raw', import.meta.url);

// The task output before the renderer: each line stripped on its own.
const stripLines = (raw) => raw.split('\n').map(cleanLine).join('\n');

async function timed(runs, fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = monoMs();
    await fn();
    samples.push(monoMs() - t0);
  }
  return samples;
}

export async function measureRendering() {
  const renderer = new TerminalRenderer();
  const capture = (await readFile(JEST_CAPTURE, 'utf8')).replaceAll('\r\n', '\n');
  const heavy = capture.repeat(Math.ceil(HEAVY_BYTES / capture.length));
  await renderer.render(heavy); // loads the emulator once, as the first rendered task of a daemon does
  const heavyRendered = await timed(HEAVY_RUNS, () => renderer.render(heavy));
  const heavyStripped = await timed(HEAVY_RUNS, () => stripLines(heavy));
  // Per call, in µs: batches of SHORT_CALLS calls.
  const perCallUs = (samples) => samples.map((ms) => (ms * 1000) / SHORT_CALLS);
  const shortRendered = perCallUs(
    await timed(5, async () => {
      for (let i = 0; i < SHORT_CALLS; i++) await renderer.render(SHORT_OUTPUT);
    }),
  );
  const shortStripped = perCallUs(
    await timed(5, () => {
      for (let i = 0; i < SHORT_CALLS; i++) stripLines(SHORT_OUTPUT);
    }),
  );
  return { heavyChars: heavy.length, heavyRendered, heavyStripped, shortRendered, shortStripped };
}
