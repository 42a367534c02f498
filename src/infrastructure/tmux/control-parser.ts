// Parser for the tmux control-mode protocol (`tmux -C`): raw stdout bytes in, typed events out. No I/O.
//
// Design:
// - Works on bytes, not text. tmux writes pane output with bytes >= 0x80 unescaped (raw UTF-8, or
//   whatever the program printed), so a chunk can end inside a character or a line. Chunks are
//   split on `\n` (0x0a never occurs inside a UTF-8 sequence); an unfinished line is kept until
//   its newline arrives. `%output` payloads are octal-decoded as bytes (decodeOctal) and handed
//   out as Buffers: the consumer UTF-8-decodes its own stream with a stateful decoder.
// - A reply is `%begin <time> <number> <flags>` … `%end|%error <time> <number> <flags>`. Inside a
//   block every line is reply text, even one that starts with `%`; the block ends only at an
//   `%end`/`%error` line carrying the same time, number and flags as its `%begin`. tmux never
//   writes a notification inside a block (tmux(1), CONTROL MODE).
// - Everything else starting with `%` is a notification: `%output`, `%extended-output`, `%exit`,
//   or `{ name, args }` with the name stripped of `%` (args split on spaces; a trailing free-text
//   argument such as a session or window name keeps its spaces).

// One decoded unit of control-mode output.
export type ControlEvent =
  | {
      readonly kind: 'reply';
      readonly time: number;
      readonly number: number;
      readonly flags: number;
      readonly ok: boolean;
      readonly lines: string[];
    }
  | { readonly kind: 'output'; readonly paneId: string; readonly data: Buffer }
  | { readonly kind: 'exit'; readonly reason?: string }
  | { readonly kind: 'notification'; readonly name: string; readonly args: string[] };

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const BEGIN_LINE = /^%begin (\d+) (\d+) (\d+)$/;

// Notifications whose last argument is free text (a name, a message) that may contain spaces.
const ARITY: Readonly<Record<string, number>> = {
  'session-changed': 2,
  'session-renamed': 2,
  'client-session-changed': 3,
  'window-renamed': 2,
  'unlinked-window-renamed': 2,
  'client-detached': 1,
  message: 1,
  'config-error': 1,
};

interface OpenBlock {
  readonly guard: string; // "<time> <number> <flags>", repeated verbatim on the closing line
  readonly time: number;
  readonly number: number;
  readonly flags: number;
  readonly lines: string[];
}

function isOctalDigit(byte: number | undefined): byte is number {
  return byte !== undefined && byte >= 0x30 && byte <= 0x37;
}

// Undoes control-mode escaping: `\ooo` (three octal digits) becomes that byte; all else is kept.
// A string argument is taken as UTF-8 text; a Buffer is taken as the raw bytes tmux wrote.
export function decodeOctal(escaped: string | Buffer): Buffer {
  const input = typeof escaped === 'string' ? Buffer.from(escaped, 'utf8') : escaped;
  if (!input.includes(BACKSLASH)) return Buffer.from(input);
  const out = Buffer.allocUnsafe(input.length);
  let written = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] as number;
    const d1 = input[i + 1];
    const d2 = input[i + 2];
    const d3 = input[i + 3];
    if (byte === BACKSLASH && isOctalDigit(d1) && isOctalDigit(d2) && isOctalDigit(d3)) {
      out[written++] = ((d1 - 0x30) * 64 + (d2 - 0x30) * 8 + (d3 - 0x30)) & 0xff;
      i += 3;
    } else {
      out[written++] = byte;
    }
  }
  return out.subarray(0, written);
}

function splitArgs(name: string, rest: string): string[] {
  if (rest === '') return [];
  const words = rest.split(' ');
  const arity = ARITY[name];
  if (arity === undefined || words.length <= arity) return words;
  return [...words.slice(0, arity - 1), words.slice(arity - 1).join(' ')];
}

// Stateful parser: feed it stdout chunks in order; it returns the events completed by each chunk.
export class ControlParser {
  private parts: Buffer[] = [];
  private block: OpenBlock | undefined;

  // Parses one chunk (split anywhere, even inside a UTF-8 character) into zero or more events.
  push(chunk: Buffer): ControlEvent[] {
    const events: ControlEvent[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      let line = chunk.subarray(start, end);
      if (this.parts.length > 0) {
        line = Buffer.concat([...this.parts, line]);
        this.parts = [];
      }
      const event = this.line(line);
      if (event) events.push(event);
      start = end + 1;
    }
    // Copy the unfinished tail so a big chunk is not kept alive by a small remainder.
    if (start < chunk.length) this.parts.push(Buffer.from(chunk.subarray(start)));
    return events;
  }

  // True while a `%begin` block is open (its `%end`/`%error` has not arrived yet).
  get inBlock(): boolean {
    return this.block !== undefined;
  }

  private line(line: Buffer): ControlEvent | undefined {
    const block = this.block;
    if (block) {
      if (line[0] === 0x25 /* % */) {
        const raw = line.toString('latin1');
        const ok = raw === `%end ${block.guard}`;
        if (ok || raw === `%error ${block.guard}`) {
          this.block = undefined;
          const { time, number, flags, lines } = block;
          return { kind: 'reply', time, number, flags, ok, lines };
        }
      }
      block.lines.push(line.toString('utf8'));
      return undefined;
    }
    if (line[0] !== 0x25) return undefined; // not protocol: tmux writes nothing else outside blocks
    const raw = line.toString('latin1');
    if (raw.startsWith('%output ')) return this.output(line, 8);
    if (raw.startsWith('%extended-output ')) return this.output(line, 17);
    const begin = BEGIN_LINE.exec(raw);
    if (begin) {
      const guard = raw.slice('%begin '.length);
      this.block = {
        guard,
        time: Number(begin[1]),
        number: Number(begin[2]),
        flags: Number(begin[3]),
        lines: [],
      };
      return undefined;
    }
    const text = line.toString('utf8');
    const space = text.indexOf(' ');
    const name = space === -1 ? text.slice(1) : text.slice(1, space);
    const rest = space === -1 ? '' : text.slice(space + 1);
    if (name === 'exit') return rest === '' ? { kind: 'exit' } : { kind: 'exit', reason: rest };
    return { kind: 'notification', name, args: splitArgs(name, rest) };
  }

  // `%output %<pane> <data>` or `%extended-output %<pane> <age> … : <data>`.
  private output(line: Buffer, from: number): ControlEvent | undefined {
    const paneEnd = line.indexOf(0x20, from);
    if (paneEnd === -1)
      return { kind: 'output', paneId: line.toString('latin1', from), data: Buffer.alloc(0) };
    const paneId = line.toString('latin1', from, paneEnd);
    let dataStart = paneEnd + 1;
    if (from === 17) {
      const colon = line.indexOf(' : ', paneEnd, 'latin1');
      if (colon === -1) return undefined;
      dataStart = colon + 3;
    }
    return { kind: 'output', paneId, data: decodeOctal(line.subarray(dataStart)) };
  }
}
