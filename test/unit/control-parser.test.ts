import { describe, expect, it } from 'vitest';
import {
  ControlParser,
  decodeOctal,
  type ControlEvent,
} from '../../src/infrastructure/tmux/control-parser.js';

const STREAM = [
  '%begin 1795407517 264 0',
  '%end 1795407517 264 0',
  '%session-changed $0 my session',
  '%begin 1795407517 269 1',
  '%output %1 this is reply text',
  '%end 1795407517 270 1',
  '%exit not really',
  '%end 1795407517 269 1',
  '%output %0 a\\015\\012\\033[1m\\134z',
  '%window-add @3',
  '%sessions-changed',
  '%begin 1795407518 271 1',
  'parse error: unknown command: bogus',
  '%error 1795407518 271 1',
  '%layout-change @0 b25f,80x24,0,0,2 b25f,80x24,0,0,2 *',
  '%exit',
  '',
].join('\n');

const EXPECTED: ControlEvent[] = [
  { kind: 'reply', time: 1795407517, number: 264, flags: 0, ok: true, lines: [] },
  { kind: 'notification', name: 'session-changed', args: ['$0', 'my session'] },
  {
    kind: 'reply',
    time: 1795407517,
    number: 269,
    flags: 1,
    ok: true,
    lines: ['%output %1 this is reply text', '%end 1795407517 270 1', '%exit not really'],
  },
  { kind: 'output', paneId: '%0', data: Buffer.from('a\r\n\x1b[1m\\z', 'latin1') },
  { kind: 'notification', name: 'window-add', args: ['@3'] },
  { kind: 'notification', name: 'sessions-changed', args: [] },
  {
    kind: 'reply',
    time: 1795407518,
    number: 271,
    flags: 1,
    ok: false,
    lines: ['parse error: unknown command: bogus'],
  },
  {
    kind: 'notification',
    name: 'layout-change',
    args: ['@0', 'b25f,80x24,0,0,2', 'b25f,80x24,0,0,2', '*'],
  },
  { kind: 'exit' },
];

function feed(parser: ControlParser, chunks: Buffer[]): ControlEvent[] {
  return chunks.flatMap((chunk) => parser.push(chunk));
}

function splitAt(bytes: Buffer, at: number): Buffer[] {
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

describe('ControlParser', () => {
  it('parses a whole stream in one chunk', () => {
    expect(new ControlParser().push(Buffer.from(STREAM))).toEqual(EXPECTED);
  });

  it('gives the same events however the bytes are split (every boundary, and byte by byte)', () => {
    const bytes = Buffer.from(STREAM);
    for (let at = 0; at <= bytes.length; at++) {
      expect(feed(new ControlParser(), splitAt(bytes, at))).toEqual(EXPECTED);
    }
    const oneByOne = [...bytes].map((byte) => Buffer.from([byte]));
    expect(feed(new ControlParser(), oneByOne)).toEqual(EXPECTED);
  });

  it('keeps lines that look like notifications inside a block as reply text', () => {
    const parser = new ControlParser();
    expect(parser.push(Buffer.from('%begin 1 5 1\n%output %3 hi\\012\n%window-add @1\n'))).toEqual([]);
    expect(parser.inBlock).toBe(true);
    expect(parser.push(Buffer.from('%end 1 5 1\n'))).toEqual([
      {
        kind: 'reply',
        time: 1,
        number: 5,
        flags: 1,
        ok: true,
        lines: ['%output %3 hi\\012', '%window-add @1'],
      },
    ]);
    expect(parser.inBlock).toBe(false);
  });

  it('reports an %error block as ok: false with its lines', () => {
    const events = new ControlParser().push(
      Buffer.from("%begin 9 7 1\ncan't find pane: %99\n%error 9 7 1\n"),
    );
    expect(events).toEqual([
      { kind: 'reply', time: 9, number: 7, flags: 1, ok: false, lines: ["can't find pane: %99"] },
    ]);
  });

  it('decodes reply lines as UTF-8 even when a character is split across chunks', () => {
    const bytes = Buffer.from('%begin 1 2 1\ncafé 🙂\n%end 1 2 1\n');
    const emoji = bytes.indexOf(Buffer.from('🙂'));
    for (let at = bytes.indexOf(Buffer.from('é')); at <= emoji + 4; at++) {
      const [reply] = feed(new ControlParser(), splitAt(bytes, at));
      expect(reply).toMatchObject({ kind: 'reply', lines: ['café 🙂'] });
    }
  });

  it('decodes %output octal escapes to raw bytes, escaped or raw multi-byte characters included', () => {
    const parser = new ControlParser();
    const raw = Buffer.concat([Buffer.from('%output %12 \\303\\251 '), Buffer.from('🙂é\\011\\134\n')]);
    const out: Buffer[] = [];
    for (let at = 0; at < raw.length; at += 3) {
      for (const event of parser.push(raw.subarray(at, at + 3))) {
        if (event.kind === 'output') out.push(event.data);
      }
    }
    expect(Buffer.concat(out).toString('utf8')).toBe('é 🙂é\t\\');
  });

  it('parses %extended-output and an empty %output', () => {
    const events = new ControlParser().push(
      Buffer.from('%extended-output %4 17 : x : \\033y\n%output %5 \n'),
    );
    expect(events).toEqual([
      { kind: 'output', paneId: '%4', data: Buffer.from('x : \x1by') },
      { kind: 'output', paneId: '%5', data: Buffer.alloc(0) },
    ]);
  });

  it('parses %exit with and without a reason', () => {
    expect(new ControlParser().push(Buffer.from('%exit\n'))).toEqual([{ kind: 'exit' }]);
    expect(new ControlParser().push(Buffer.from('%exit server exited unexpectedly\n'))).toEqual([
      { kind: 'exit', reason: 'server exited unexpectedly' },
    ]);
  });

  it('keeps spaces in free-text notification arguments', () => {
    const events = new ControlParser().push(
      Buffer.from('%window-renamed @2 my window\n%client-session-changed /dev/pts/3 $1 a b\n%pause %1\n'),
    );
    expect(events).toEqual([
      { kind: 'notification', name: 'window-renamed', args: ['@2', 'my window'] },
      { kind: 'notification', name: 'client-session-changed', args: ['/dev/pts/3', '$1', 'a b'] },
      { kind: 'notification', name: 'pause', args: ['%1'] },
    ]);
  });
});

describe('decodeOctal', () => {
  it('turns \\ooo into bytes and keeps everything else', () => {
    expect(decodeOctal('\\015\\012')).toEqual(Buffer.from([13, 10]));
    expect(decodeOctal('\\033[0m')).toEqual(Buffer.from('\x1b[0m'));
    expect(decodeOctal('a\\134b')).toEqual(Buffer.from('a\\b'));
    expect(decodeOctal('\\303\\251').toString('utf8')).toBe('é');
    expect(decodeOctal('é\\12x\\')).toEqual(Buffer.from('é\\12x\\'));
    expect(decodeOctal(Buffer.from([0xe9, 0x5c, 0x30, 0x31, 0x31]))).toEqual(Buffer.from([0xe9, 0x09]));
  });
});
