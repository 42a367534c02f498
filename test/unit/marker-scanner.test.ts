import { describe, it, expect } from 'vitest';
import { MarkerScanner, type ScanEvent } from '../../src/domain/marker-scanner.js';
import {
  beginMarker,
  buildReadyProbe,
  buildSourceLine,
  endMarker,
  readyMarker,
} from '../../src/domain/marker.js';

const ESC = '\x1b';
const ID = 'abc123';

// What a bash 5 pane shows for one task, as the pty delivers it (CRLF, bracketed-paste toggles).
function ptyTask(id: string, output: string, exitCode: number, prompt = '$ '): string {
  return (
    `${ESC}[?2004h${prompt}. '/t/${id}/run.sh'\r\n${ESC}[?2004l\r${beginMarker(id)}\r\n` +
    `${output.replaceAll('\n', '\r\n')}\r\n${endMarker(id, exitCode)}\r\n${ESC}[?2004h${prompt}`
  );
}

function chunksOf(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

function scan(chunks: readonly string[], ...ids: string[]): ScanEvent[] {
  const scanner = new MarkerScanner();
  for (const id of ids) scanner.expectTask(id);
  return chunks.flatMap((chunk) => scanner.push(chunk));
}

function endOf(events: readonly ScanEvent[]): Extract<ScanEvent, { kind: 'end' }> {
  const end = events.find((e) => e.kind === 'end');
  if (end?.kind !== 'end') throw new Error(`no end event in ${JSON.stringify(events)}`);
  return end;
}

describe('MarkerScanner: the realistic pty stream', () => {
  const stream =
    `$ . '/t/run.sh'\r\n${ESC}[?2004l\r---BEGIN-OUTPUT-abc123---\r\nhello\r\nworld\r\n\r\n` +
    `---END-OF-OUTPUT-abc123:3---\r\n${ESC}[?2004h$ `;
  const expected: ScanEvent[] = [
    { kind: 'begin', taskId: ID },
    {
      kind: 'end',
      taskId: ID,
      exitCode: 3,
      endedAtMs: null,
      output: 'hello\nworld\n',
      rawOutput: 'hello\nworld\n',
      truncated: false,
      beginSeen: true,
    },
  ];

  it('finds begin and end in one chunk', () => {
    expect(scan([stream], ID)).toEqual(expected);
  });

  it('gives the same events whatever the chunk boundary', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(scan([stream.slice(0, i), stream.slice(i)], ID), `split at ${i}`).toEqual(expected);
    }
  });

  it('gives the same events for every pair of boundaries and for one character at a time', () => {
    for (let i = 0; i <= stream.length; i += 3) {
      for (let j = i; j <= stream.length; j += 5) {
        const chunks = [stream.slice(0, i), stream.slice(i, j), stream.slice(j)];
        expect(scan(chunks, ID), `split at ${i},${j}`).toEqual(expected);
      }
    }
    expect(scan([...stream], ID)).toEqual(expected);
  });

  it('forgets the id after its end and keeps nothing pending', () => {
    const scanner = new MarkerScanner();
    scanner.expectTask(ID);
    expect(scanner.pendingIds).toEqual([ID]);
    scanner.push(stream);
    expect(scanner.pendingIds).toEqual([]);
    expect(scanner.push(stream)).toEqual([]);
  });
});

describe('MarkerScanner: a richer stream at every boundary', () => {
  const bar = Array.from(
    { length: 40 },
    (_, i) => `\r${ESC}[2K${ESC}[32m${'#'.repeat(i)}${ESC}[0m ${i}%`,
  ).join('');
  const stream =
    `$ ${buildReadyProbe('probe1')}\r\n${ESC}[?2004l\r${readyMarker('probe1')}\r\n` +
    ptyTask('task-one', `${ESC}[1mbold${ESC}[0m\n${'w'.repeat(600)}\n${bar}\ndone`, 0) +
    ptyTask('task-two', '', 141);

  function scanWith(chunks: readonly string[]): ScanEvent[] {
    const scanner = new MarkerScanner({ maxLineChars: 256 });
    scanner.expectReady('probe1');
    scanner.expectTask('task-one');
    scanner.expectTask('task-two');
    return chunks.flatMap((chunk) => scanner.push(chunk));
  }

  it('gives the same events for one chunk, every split and small chunks', () => {
    const expected = scanWith([stream]);
    expect(expected.map((e) => e.kind)).toEqual(['ready', 'begin', 'end', 'begin', 'end']);
    expect(expected[2]).toMatchObject({ output: `bold\n${'w'.repeat(600)}\n${'#'.repeat(39)} 39%\ndone` });
    expect(expected[4]).toMatchObject({ taskId: 'task-two', output: '', exitCode: 141 });
    for (let i = 0; i <= stream.length; i += 7) {
      expect(scanWith([stream.slice(0, i), stream.slice(i)]), `split at ${i}`).toEqual(expected);
    }
    for (const size of [1, 2, 3, 50, 255, 256, 257, 1000]) {
      expect(scanWith(chunksOf(stream, size)), `chunks of ${size}`).toEqual(expected);
    }
  });
});

describe('MarkerScanner: the echoed-marker pitfall', () => {
  it('does not match a typed line that contains the marker text', () => {
    const scanner = new MarkerScanner();
    scanner.expectTask(ID);
    scanner.expectReady('probe1');
    const echoes = [
      `$ echo ${endMarker(ID, 0)}\r\n`,
      `$ echo '${beginMarker(ID)}'\r\n`,
      `$ printf '%s%s\\n' '---READY' '-probe1---'\r\n`,
      `$ ${readyMarker('probe1')} \r\n`,
      ` ${endMarker(ID, 0)}\r\n`,
      `${endMarker(ID, 0)}x\r\n`,
      `$ ${buildSourceLine('/t/abc123/run.sh')}\r\n`,
      `$ ${buildReadyProbe('probe1')}\r\n`,
    ];
    for (const line of echoes) expect(scanner.push(line), line).toEqual([]);
    expect(scanner.pendingIds).toEqual([ID, 'probe1']);
  });

  it('matches the ready line the probe prints, not the echoed probe', () => {
    const scanner = new MarkerScanner();
    scanner.expectReady('probe1');
    expect(scanner.push(`${ESC}[?2004h$ ${buildReadyProbe('probe1')}\r\n${ESC}[?2004l\r`)).toEqual([]);
    expect(scanner.push(`${readyMarker('probe1')}\r\n${ESC}[?2004h$ `)).toEqual([
      { kind: 'ready', probeId: 'probe1' },
    ]);
    expect(scanner.pendingIds).toEqual([]);
  });
});

describe('MarkerScanner: output', () => {
  it('keeps CRLF output with and without a final newline', () => {
    expect(endOf(scan([ptyTask(ID, 'abc', 0)], ID)).output).toBe('abc');
    expect(endOf(scan([ptyTask(ID, 'abc\n', 0)], ID)).output).toBe('abc\n');
    expect(endOf(scan([ptyTask(ID, 'a\n\nb\n\n', 0)], ID)).output).toBe('a\n\nb\n\n');
  });

  it('gives empty output for a silent command', () => {
    const end = endOf(scan([ptyTask(ID, '', 0)], ID));
    expect(end).toMatchObject({ output: '', rawOutput: '', exitCode: 0, beginSeen: true });
  });

  it('gives empty output when the end line follows the begin line directly', () => {
    const end = endOf(scan([`${beginMarker(ID)}\n${endMarker(ID, 0)}\n`], ID));
    expect(end).toMatchObject({ output: '', rawOutput: '', beginSeen: true });
  });

  it('strips colour codes in output but keeps them in rawOutput', () => {
    const end = endOf(scan([ptyTask(ID, `${ESC}[32mPASS${ESC}[0m a\nok`, 0)], ID));
    expect(end.output).toBe('PASS a\nok');
    expect(end.rawOutput).toBe(`${ESC}[32mPASS${ESC}[0m a\nok`);
  });

  it('keeps the last state of a progress bar redrawn with CR', () => {
    const end = endOf(scan([ptyTask(ID, '10%\r50%\r100%\ndone', 0)], ID));
    expect(end.output).toBe('100%\ndone');
    expect(end.rawOutput).toBe('10%\r50%\r100%\ndone');
  });

  it('accepts plain LF streams and large exit codes', () => {
    const end = endOf(scan([`${beginMarker(ID)}\nx\n\n${endMarker(ID, 300)}\n`], ID));
    expect(end).toMatchObject({ output: 'x\n', exitCode: 300 });
  });

  it('keeps output lines that look like markers of other ids', () => {
    const other = endMarker('zzz999', 1);
    const end = endOf(scan([ptyTask(ID, `${other}\n${beginMarker(ID)}`, 0)], ID));
    expect(end.output).toBe(`${other}\n${beginMarker(ID)}`);
  });
});

describe('MarkerScanner: ids', () => {
  it('reports two tasks in sequence', () => {
    const events = scan(
      [ptyTask('task-one', 'one', 0) + ptyTask('task-two', 'two\n', 7)],
      'task-one',
      'task-two',
    );
    expect(events.map((e) => e.kind)).toEqual(['begin', 'end', 'begin', 'end']);
    expect(events[1]).toMatchObject({ taskId: 'task-one', output: 'one', exitCode: 0 });
    expect(events[3]).toMatchObject({ taskId: 'task-two', output: 'two\n', exitCode: 7 });
  });

  it('ignores markers of ids it does not expect', () => {
    expect(scan([ptyTask('unknown1', 'x', 0)], ID)).toEqual([]);
    expect(scan([ptyTask('unknown1', 'x', 0)])).toEqual([]);
  });

  it('stops matching an id after forget()', () => {
    const scanner = new MarkerScanner();
    scanner.expectTask(ID);
    scanner.push(`${beginMarker(ID)}\r\npartial`);
    scanner.forget(ID);
    expect(scanner.pendingIds).toEqual([]);
    expect(scanner.push(`\r\n${endMarker(ID, 0)}\r\n`)).toEqual([]);
  });

  it('reports an end without begin when it started late', () => {
    const end = endOf(scan([`tail of output\r\n\r\n${endMarker(ID, 2, '1700000000.25')}\r\n$ `], ID));
    expect(end).toEqual({
      kind: 'end',
      taskId: ID,
      exitCode: 2,
      endedAtMs: 1_700_000_000_250,
      output: '',
      rawOutput: '',
      truncated: false,
      beginSeen: false,
    });
  });

  it('rejects ids that cannot be markers', () => {
    const scanner = new MarkerScanner();
    expect(() => scanner.expectTask('no')).toThrow(RangeError);
    expect(() => scanner.expectReady('has space')).toThrow(RangeError);
  });
});

describe('MarkerScanner: bounds', () => {
  it('keeps the tail of a long output and says it was truncated', () => {
    const scanner = new MarkerScanner({ maxOutputChars: 100 });
    scanner.expectTask(ID);
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    const events = scanner.push(ptyTask(ID, lines.join('\n'), 0));
    const end = endOf(events);
    expect(end.truncated).toBe(true);
    expect(end.output).toHaveLength(100);
    expect(lines.join('\n').endsWith(end.output)).toBe(true);
    expect(end.rawOutput).toBe(end.output);
  });

  it('is not truncated at exactly the limit', () => {
    const scanner = new MarkerScanner({ maxOutputChars: 10 });
    scanner.expectTask(ID);
    const end = endOf(scanner.push(ptyTask(ID, '0123456789', 0)));
    expect(end).toMatchObject({ output: '0123456789', truncated: false });
  });

  it('truncates correctly across many small lines', () => {
    const scanner = new MarkerScanner({ maxOutputChars: 5000 });
    scanner.expectTask(ID);
    const text = Array.from({ length: 20_000 }, (_, i) => String(i % 10)).join('\n');
    const end = endOf(chunksOf(ptyTask(ID, text, 0), 997).flatMap((chunk) => scanner.push(chunk)));
    expect(end.output).toBe(text.slice(-5000));
  });

  it('does not match an overlong line, and drops lines while nothing is captured', () => {
    const scanner = new MarkerScanner({ maxLineChars: 256 });
    scanner.expectTask(ID);
    expect(scanner.push(`${'x'.repeat(300)}\r${beginMarker(ID)}\r\n`)).toEqual([]);
    expect(scanner.push(ptyTask(ID, 'ok', 0)).map((e) => e.kind)).toEqual(['begin', 'end']);
  });

  it('captures an overlong line while a task runs', () => {
    const scanner = new MarkerScanner({ maxLineChars: 256 });
    scanner.expectTask(ID);
    const long = 'y'.repeat(1000);
    const stream = ptyTask(ID, `${long}\nnext`, 0);
    const events = chunksOf(stream, 37).flatMap((chunk) => scanner.push(chunk));
    expect(endOf(events)).toMatchObject({ output: `${long}\nnext`, rawOutput: `${long}\nnext` });
  });

  it('keeps only the last redraw of a long-running progress bar', () => {
    const scanner = new MarkerScanner({ maxLineChars: 256 });
    scanner.expectTask(ID);
    scanner.push(`${beginMarker(ID)}\r\n`);
    for (let i = 0; i <= 1000; i++) scanner.push(`\r${ESC}[2K[${'#'.repeat(i % 50)}] ${i / 10}%`);
    const end = endOf(scanner.push(`\r\n\r\n${endMarker(ID, 0)}\r\n`));
    expect(end.output).toBe(`[${'#'.repeat(0)}] 100%\n`);
    expect(end.rawOutput.startsWith('\r')).toBe(true);
    expect(end.rawOutput.endsWith('] 100%\n')).toBe(true);
  });

  it('handles a big volume of small chunks quickly', () => {
    const scanner = new MarkerScanner();
    scanner.expectTask(ID);
    scanner.push(`${beginMarker(ID)}\r\n`);
    const start = performance.now();
    const line = 'some build output line with a bit of text';
    const chunk = `${line}\r\n`.repeat(4);
    for (let i = 0; i < 30_000; i++) scanner.push(chunk);
    const end = endOf(scanner.push(`\r\n${endMarker(ID, 0)}\r\n`));
    expect(performance.now() - start).toBeLessThan(5_000);
    expect(end.output.length).toBe(30_000 * 4 * (line.length + 1));
    expect(end.truncated).toBe(false);
  });
});
