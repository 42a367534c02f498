// Terminal text: turns what a pty printed into the text a human sees, one line at a time.
//
// Pane output (tmux %output, pipe-pane) is a terminal byte stream, not plain text: CRLF line ends,
// colour codes, bash 5's bracketed-paste toggles (`\e[?2004l\r` before a command's output,
// `\e[?2004h` before the prompt), window-title OSCs, progress bars redrawn with `\r`.
// Matching markers or storing readable output needs those removed first.

// One alternation, tried left to right wherever an ESC or an 8-bit C1 introducer appears:
//   OSC              ESC ] … (BEL | ESC \)            titles, hyperlinks, cwd reports
//   DCS/SOS/PM/APC   ESC P|X|^|_ … ESC \
//   CSI              ESC [ params intermediates final  colours, cursor moves, `?2004h`
//   nF               ESC intermediates+ final         charset selection `ESC ( B`
//   Fp/Fe/Fs         ESC + one char                   `ESC =`, `ESC >`, `ESC 7`, `ESC M`, and the
//                                                     introducer of an unterminated sequence above
//   8-bit CSI / OSC / string controls (U+009B, U+009D, U+0090 …) with their bodies
//   a lone ESC (cut off at the end of the text)
// An OSC or string without its terminator is not swallowed to the end: only its introducer goes.
const ANSI_PATTERN = new RegExp(
  [
    '\\x1b\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)',
    '\\x1b[PX^_][^\\x1b]*\\x1b\\\\',
    '\\x1b\\[[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]',
    '\\x1b[\\x20-\\x2f]+[\\x30-\\x7e]',
    '\\x1b[\\x30-\\x7e]',
    '\\u009b[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]',
    '\\u009d[^\\x07\\x1b\\u009c]*(?:\\x07|\\u009c|\\x1b\\\\)',
    '[\\u0090\\u0098\\u009e\\u009f][^\\x1b\\u009c]*(?:\\u009c|\\x1b\\\\)',
    '\\x1b',
  ].join('|'),
  'g',
);

// Anything cleanLine has to work on: C0 controls but TAB, DEL, C1 controls.
// eslint-disable-next-line no-control-regex
const NEEDS_CLEANING = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const TRAILING_CR = /\r+$/;
const C1_INTRODUCER = /[\u0090-\u009f]/;

// Removes terminal escape sequences (CSI, OSC, charset and other ESC sequences, 8-bit C1 forms).
export function stripAnsi(text: string): string {
  if (!text.includes('\x1b') && !C1_INTRODUCER.test(text)) return text;
  return text.replace(ANSI_PATTERN, '');
}

// Applies backspaces the way a terminal shows them: each `\b` erases the character before it.
export function applyBackspaces(text: string): string {
  if (!text.includes('\b')) return text;
  const out: string[] = [];
  for (const ch of text) {
    if (ch === '\b') out.pop();
    else out.push(ch);
  }
  return out.join('');
}

// One line (without its `\n`) as a human sees it: no escape sequences, no CR line end, only the
// text after the last carriage return (`50%\r100%` → `100%`), backspaces applied, no controls but TAB.
// This is the simple model of CR: a shorter rewrite does not keep the tail of a longer one.
export function cleanLine(rawLine: string): string {
  if (!NEEDS_CLEANING.test(rawLine)) return rawLine;
  let line = stripAnsi(rawLine).replace(TRAILING_CR, '');
  const lastCr = line.lastIndexOf('\r');
  if (lastCr !== -1) line = line.slice(lastCr + 1);
  return applyBackspaces(line).replace(CONTROL_CHARS, '');
}

// SGR (colours, bold …): the one escape sequence that moves nothing on screen.
// eslint-disable-next-line no-control-regex
const SGR_PATTERN = /\x1b\[[0-9;:]*m/g;
// After SGR is gone, any of these needs a terminal to tell what a person saw: every C0 control
// but LF (CR, TAB, BS, ESC, VT, FF …), DEL, the C1 controls.
// eslint-disable-next-line no-control-regex
const NEEDS_TERMINAL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;
// A line a person cannot tell from an empty one.
const BLANK_LINE = /^ *$/;

// The text of a task's raw output (LF line ends) when it has no control but LF and no escape
// sequence but SGR: the SGR codes go, trailing blank lines go (the line break ending the last
// line that shows stays), and that is what a terminal would show too (the renderer's fast path).
// Null when the output needs a terminal emulator.
export function plainText(raw: string): string | null {
  const text = raw.includes('\x1b') ? raw.replace(SGR_PATTERN, '') : raw;
  if (NEEDS_TERMINAL.test(text)) return null;
  const shown = withoutTrailingBlankLines(text);
  return shown !== '' && shown.length < text.length ? `${shown}\n` : shown;
}

// Text without its trailing blank lines (only spaces, or nothing) and the line breaks before them.
export function withoutTrailingBlankLines(text: string): string {
  let end = text.length;
  while (end > 0) {
    const lineStart = text.lastIndexOf('\n', end - 1) + 1;
    if (!BLANK_LINE.test(text.slice(lineStart, end))) break;
    end = Math.max(lineStart - 1, 0);
  }
  return text.slice(0, end);
}

// The text of a screen's lines as a person reads it: trailing blank lines dropped, and a line
// break after the last line that shows when the cursor had gone on below it (`echo hi` → `hi\n`,
// `printf hi` → `hi`), as the output of plainText has.
export function shownLines(lines: readonly string[], cursorLine: number): string {
  let count = lines.length;
  while (count > 0 && BLANK_LINE.test(lines[count - 1] ?? '')) count--;
  if (count === 0) return '';
  const text = lines.slice(0, count).join('\n');
  return cursorLine >= count ? `${text}\n` : text;
}
