// Renders a task's raw pane output through a real terminal emulator (@xterm/headless) into the
// text a person saw: cursor movement, erase in line and display, carriage return, backspace, tabs,
// wide characters, the alternate screen. It is pure computation, but a dependency, so it lives
// here behind the domain's OutputRenderer port.
//
// - Fast path: output with no control but LF and no escape but SGR (most short tasks) is only
//   stripped of SGR (plainText); the emulator is not even loaded.
// - Size: the emulator has the worker pane's size (tmux's new-session -x 200 -y 50 and the control
//   client's 200x50). Programs wrap and move the cursor for the width they were given (jest counts
//   the rows of its wrapped status lines before it moves up over them), so another width would
//   put the cursor on the wrong rows. Rows the pane wrapped are joined back (isWrapped), so the
//   output has the program's own lines whatever the width.
// - Nothing lost off the top, in bounded memory: a cursor never goes back into the scrollback, so
//   a row that scrolled off the screen is final. The raw text is written in chunks that cannot
//   scroll more rows than the scrollback holds; after each chunk its scrolled-off rows are read
//   and then erased (`CSI 3 J`, sent before the next chunk). A task's own `CSI 3 J` is dropped:
//   erasing saved lines is a viewer's gesture, and the output keeps every line.
// - `CSI 2 J` keeps the cleared screen in the scrollback (scrollOnEraseInDisplay), as the worker's
//   tmux pane does (scroll-on-clear).
// - Trailing blank lines are trimmed, the line break after the last line that shows kept when the
//   cursor went on below it (what plainText does too: both paths agree on plain text).
import type { IBuffer, IBufferLine, Terminal as XtermTerminal } from '@xterm/headless';
import type { OutputRenderer } from '../../domain/task-output.js';
import { cleanLine, plainText, shownLines } from '../../domain/terminal-text.js';

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

// The size tmuxorch gives a worker pane (tmux server newSession defaults, control client).
export const WORKER_PANE_SIZE: TerminalSize = { cols: 200, rows: 50 };

// Rows kept above the screen between two reads; each chunk scrolls at most half of them.
const SCROLLBACK_ROWS = 2000;
const CHUNK_MAX_CHARS = 32 * 1024;
// A chunk's budget of rows it may scroll: LF, VT, FF and any ESC (IND, NEL) count one row, an
// erase of the display a whole screen, wrapping at most 2 rows per `cols` characters (wide ones).
const CHUNK_MAX_SCROLLED_ROWS = SCROLLBACK_ROWS / 2;
// How far back from a chunk's end an escape sequence is looked for, so a cut never splits one.
const ESCAPE_LOOKBACK_CHARS = 256;
const ERASE_SAVED_LINES = '\x1b[3J';
const ERASE_DISPLAY = '\x1b[2J';

type TerminalClass = typeof XtermTerminal;
let terminalClass: Promise<TerminalClass> | null = null;

// The emulator is loaded on first use only: a CLI call or a fleet of quiet tasks never pays for it.
function loadTerminal(): Promise<TerminalClass> {
  terminalClass ??= import('@xterm/headless').then((module) => module.default.Terminal);
  return terminalClass;
}

// Emulators kept for the next renders: building one costs ~2.4 ms of CPU, a reset ~0.3 ms, and
// short tasks that redraw a line (a spinner, `RUNS`) are common. Renders at once each take one.
const IDLE_TERMINALS_MAX = 10;
// Sent after the output: cancels an escape sequence the output left unfinished (CAN shows
// nothing), so a terminal goes back to the pool in its ground state.
const CANCEL = '\x18';

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export class TerminalRenderer implements OutputRenderer {
  private readonly idle: XtermTerminal[] = [];

  constructor(private readonly size: TerminalSize = WORKER_PANE_SIZE) {}

  async render(raw: string): Promise<string> {
    const plain = plainText(raw);
    if (plain !== null) return plain;
    // An emulator that fails (its bug, not the task's) must not cost the task its result: the
    // output is then each line stripped on its own, as before the renderer.
    return this.emulate(raw).catch(() => raw.split('\n').map(cleanLine).join('\n'));
  }

  // Always through the emulator (tests compare it with the fast path).
  async emulate(raw: string): Promise<string> {
    const terminal = await this.take();
    try {
      const text = await this.write(terminal, raw);
      this.giveBack(terminal);
      return text;
    } catch (error) {
      terminal.dispose();
      throw error;
    }
  }

  private async take(): Promise<XtermTerminal> {
    const Terminal = await loadTerminal();
    const { cols, rows } = this.size;
    return (
      this.idle.pop() ??
      new Terminal({
        cols,
        rows,
        scrollback: SCROLLBACK_ROWS,
        convertEol: true, // the scanner keeps LF line ends: each is the pty's CR LF
        scrollOnEraseInDisplay: true,
        allowProposedApi: true, // the buffer API
      })
    );
  }

  private giveBack(terminal: XtermTerminal): void {
    if (this.idle.length >= IDLE_TERMINALS_MAX) return terminal.dispose();
    terminal.reset(); // a blank screen, no scrollback, default modes
    this.idle.push(terminal);
  }

  private write(terminal: XtermTerminal, raw: string): Promise<string> {
    const { cols, rows } = this.size;
    const lines: string[] = [];
    // Rows at the top of the normal buffer already read (erased at the start of the next chunk).
    let readTop = 0;
    return new Promise<string>((resolve, reject) => {
      const chunks = chunksOf(raw.replaceAll(ERASE_SAVED_LINES, ''), cols, rows);
      // (A throw inside a write callback would be lost in the emulator's write loop: it rejects.)
      const writeNext = (prefix: string): void => {
        const next = chunks.next();
        if (next.done) {
          terminal.write(CANCEL, () => {
            try {
              resolve(screenText(terminal.buffer.normal, readTop, cols, lines));
            } catch (error) {
              reject(asError(error));
            }
          });
          return;
        }
        terminal.write(prefix + next.value, () => {
          // Rows above the screen are final: read them, and have them erased before the next
          // chunk. While the alternate screen is up, the normal buffer is left as it is.
          try {
            readTop = 0;
            if (terminal.buffer.active.type !== 'normal') return writeNext('');
            const buffer = terminal.buffer.normal;
            readRows(buffer, 0, buffer.baseY, cols, lines);
            readTop = buffer.baseY;
            writeNext(readTop > 0 ? ERASE_SAVED_LINES : '');
          } catch (error) {
            reject(asError(error));
          }
        });
      };
      writeNext('');
    });
  }
}

// The whole text once every chunk is written: `lines` (read off the top so far) and the rows
// from `top` on (the screen, and scrollback the alternate screen kept from being read).
function screenText(buffer: IBuffer, top: number, cols: number, lines: string[]): string {
  const cursorRow = buffer.baseY + buffer.cursorY;
  readRows(buffer, top, cursorRow + 1, cols, lines);
  const cursorLine = lines.length - 1;
  readRows(buffer, cursorRow + 1, buffer.length, cols, lines);
  return shownLines(lines, cursorLine);
}

// Appends rows [from, to) of a buffer to `lines`, a wrapped row to the line it continues.
function readRows(buffer: IBuffer, from: number, to: number, cols: number, lines: string[]): void {
  for (let y = from; y < to; y++) {
    const row = buffer.getLine(y);
    if (!row) continue;
    const text = rowText(row, buffer.getLine(y + 1), cols);
    if (row.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
}

// A row's text: trailing empty cells trimmed unless the line goes on in the next row. A wide
// character that did not fit in the last column left that cell empty: it is not a space.
function rowText(row: IBufferLine, next: IBufferLine | undefined, cols: number): string {
  if (next?.isWrapped !== true) return row.translateToString(true);
  const text = row.translateToString(false);
  const last = row.getCell(cols - 1);
  // (The right half of a wide character is an empty cell too, but of width 0.)
  const gap = last?.getChars() === '' && last.getWidth() === 1 && next.getCell(0)?.getWidth() === 2;
  return gap ? text.slice(0, -1) : text;
}

// Cuts the text into chunks that each scroll at most CHUNK_MAX_SCROLLED_ROWS rows, cut after a
// line break where there is one, and never inside an escape sequence or a surrogate pair.
function* chunksOf(text: string, cols: number, rows: number): Generator<string> {
  const maxChars = Math.min(CHUNK_MAX_CHARS, Math.floor((CHUNK_MAX_SCROLLED_ROWS / 2) * (cols / 2)));
  const rowsPerChar = 2 / cols;
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + maxChars);
    let budget = CHUNK_MAX_SCROLLED_ROWS - (end - start) * rowsPerChar;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 11 || c === 12) budget -= 1;
      else if (c === 27) budget -= text.startsWith(ERASE_DISPLAY, i) ? rows : 1;
      if (budget < 0) {
        end = Math.max(i, start + 1);
        break;
      }
    }
    if (end < text.length) end = cutPoint(text, start, end);
    yield text.slice(start, end);
    start = end;
  }
}

// Where to end a chunk at or before `end`: after its last line break, else before an escape
// sequence that may be cut, else not between the halves of a surrogate pair.
function cutPoint(text: string, start: number, end: number): number {
  const lineBreak = text.lastIndexOf('\n', end - 1);
  if (lineBreak >= start) return lineBreak + 1;
  const escape = text.lastIndexOf('\x1b', end - 1);
  if (escape > start && end - escape <= ESCAPE_LOOKBACK_CHARS) return escape;
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff && end - 1 > start ? end - 1 : end;
}
