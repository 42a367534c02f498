// The terminal renderer: a task's raw pane output → the text a person saw. Each case also shows
// what the old per-line stripping (cleanLine) kept, which a person never saw.
import { readFile } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { cleanLine, plainText } from '../../src/domain/terminal-text.js';
import { TerminalRenderer } from '../../src/infrastructure/terminal/terminal-renderer.js';

const ESC = '\x1b';
const renderer = new TerminalRenderer();
const render = (raw: string): Promise<string> => renderer.render(raw);
// What task output was before the renderer: each line stripped on its own.
const stripped = (raw: string): string => raw.split('\n').map(cleanLine).join('\n');
// The scanner keeps LF line ends (a pty's CR LF → LF), so does the fixture's reader.
const fixture = async (name: string): Promise<string> =>
  (await readFile(new URL(`../fixtures/render/${name}`, import.meta.url), 'utf8')).replaceAll('\r\n', '\n');

describe('TerminalRenderer on a real jest run (test/fixtures/render/jest-progress.raw)', () => {
  it('shows the results and the failing assertion, not the RUNS lines jest erased', async () => {
    const raw = await fixture('jest-progress.raw');
    expect(raw.split(`${ESC}[1A`).length - 1).toBeGreaterThan(100);
    const out = await render(raw);
    expect(out).not.toContain('RUNS');
    expect(out).not.toContain('Determining test suites');
    expect(out).not.toContain('⠙');
    expect(out).toContain('● adds');
    expect(out).toMatch(/^ {4}Expected: 3$/m);
    expect(out).toMatch(/^ {4}Received: 2$/m);
    expect(out.match(/^ PASS /gm)).toHaveLength(8);
    expect(out.match(/^ FAIL /gm)).toHaveLength(1);
    // The summary once, as it stands at the end.
    expect(out.match(/^Test Suites:/gm)).toHaveLength(1);
    expect(out).toMatch(/^Tests: {7}1 failed, 17 passed, 18 total$/m);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Ran all test suites.');
    // The old stripping kept every redrawn status block.
    const old = stripped(raw);
    expect(old).toContain('RUNS');
    expect(old.match(/^Test Suites:/gm)?.length).toBeGreaterThan(5);
  });
});

describe('TerminalRenderer', () => {
  it("erases an npm spinner's glyphs (CR, ESC[1G ESC[0K as npm writes them)", async () => {
    const raw = `⠙ ${ESC}[1G${ESC}[0K⠹ ${ESC}[1G${ESC}[0K⠸\r${ESC}[K\nadded 1 package, and audited 2 packages in 1s\n`;
    expect(await render(raw)).toBe('\nadded 1 package, and audited 2 packages in 1s\n');
    expect(stripped(raw)).toContain('⠙');
  });

  it('carries out cursor up and erase in line (a progress line redrawn in place)', async () => {
    const raw = `step 1\nprogress 10%\n${ESC}[1A${ESC}[Kprogress 100%\nstep 2\n`;
    expect(await render(raw)).toBe('step 1\nprogress 100%\nstep 2\n');
    expect(stripped(raw)).toContain('progress 10%');
  });

  it('overwrites after a carriage return, keeping the tail of a longer line as a terminal does', async () => {
    expect(await render('downloading 100 files\rdone\n')).toBe('doneloading 100 files\n');
    expect(await render('RUNS x\r\x1b[Kfinal\n')).toBe('final\n');
  });

  it('clears the display keeping the cleared screen above, as the tmux pane does, and positions the cursor', async () => {
    const raw = `count: 1${ESC}[2J${ESC}[Hcount: 2\n`;
    expect(await render(raw)).toBe('count: 1\ncount: 2\n');
    expect(stripped(raw)).toBe('count: 1count: 2\n');
    const placed = `${ESC}[2J${ESC}[Htop\n${ESC}[5;1Hfifth\n`;
    expect(await render(placed)).toBe('top\n\n\n\nfifth\n');
    expect(stripped(placed)).toBe('top\nfifth\n');
  });

  it('places wide characters (CJK, emoji) by their two cells', async () => {
    const cjk = `日本語テキスト${ESC}[4D語\n`;
    expect(await render(cjk)).toBe('日本語テキ語ト\n');
    expect(stripped(cjk)).toBe('日本語テキスト語\n');
    expect(await render('🎉 done\r✅\n')).toBe('✅ done\n');
    expect(stripped('🎉 done\r✅\n')).toBe('✅\n');
  });

  it('joins the rows the pane wrapped back into one line, wide characters at the edge too', async () => {
    const narrow = new TerminalRenderer({ cols: 9, rows: 5 });
    for (const line of ['abcdefghijklmnopqrst', 'abc中中中中中', 'abcdefgh中x', '中'.repeat(7)])
      expect(await narrow.emulate(`${line}\n`)).toBe(`${line}\n`);
    // A wide pane: 300 cells of CJK on 200 columns.
    expect(await render(`${'中'.repeat(150)}\t\n`)).toBe(`${'中'.repeat(150)}\n`);
  });

  it('expands tabs to the next tab stop', async () => {
    expect(await render('a\tb\n')).toBe('a       b\n');
  });

  it('keeps what the normal screen shows once a program left the alternate screen', async () => {
    const raw = `before\n${ESC}[?1049hfull-screen view${ESC}[?1049lafter\n`;
    expect(await render(raw)).toBe('before\nafter\n');
    expect(stripped(raw)).toContain('full-screen view');
  });

  it('loses no line of a 20,000-line output redrawn as it went', async () => {
    const raw = Array.from({ length: 20_000 }, (_, i) => `RUNS ${i}\n${ESC}[1A${ESC}[Kok ${i}\n`).join('');
    const lines = (await render(raw)).split('\n');
    expect(lines).toHaveLength(20_001);
    expect(lines[0]).toBe('ok 0');
    expect(lines[12_345]).toBe('ok 12345');
    expect(lines[19_999]).toBe('ok 19999');
    expect(lines.every((line, i) => line === (i < 20_000 ? `ok ${i}` : ''))).toBe(true);
    expect(stripped(raw)).toContain('RUNS 19999');
  });

  it('loses nothing across chunks: a screen cleared many times, one line longer than a chunk', async () => {
    const screens = Array.from({ length: 300 }, (_, i) => `screen ${i}\n${ESC}[2J${ESC}[H`).join('');
    const out = (await render(`${screens}end\n`)).split('\n');
    expect(out.filter((l) => l.startsWith('screen '))).toEqual(
      Array.from({ length: 300 }, (_, i) => `screen ${i}`),
    );
    const words = Array.from({ length: 20_000 }, (_, i) => String(i));
    const long = words.map((word, i) => `${ESC}[3${i % 8}m${word}`).join(' ');
    // (The backspace on the empty line after it makes it a case for the emulator.)
    expect(await render(`${long}\n\b`)).toBe(`${words.join(' ')}\n`);
  });

  it('renders each output on a blank terminal, whatever the one before left behind', async () => {
    const reused = new TerminalRenderer({ cols: 20, rows: 5 });
    const leftovers = [
      `${ESC}]0;a title never ended`,
      `${ESC}[1;`,
      `${ESC}[?1049hon the alternate screen`,
      `${ESC}[2;3r${ESC}[4h${ESC}[?7l${ESC}[31mscroll region, insert mode, no wrap, red`,
      `${ESC}(0charset`,
      '中'.repeat(40),
    ];
    for (const leftover of leftovers) {
      await reused.emulate(leftover);
      expect(await reused.emulate('abcdefghijklmnopqrstuvwxyz\nnext\b\n')).toBe(
        'abcdefghijklmnopqrstuvwxyz\nnext\n',
      );
    }
  });

  it("drops a task's own erase of saved lines: the output keeps every line", async () => {
    expect(await render(`first\nsecond\n${ESC}[3Jthird\n`)).toBe('first\nsecond\nthird\n');
  });

  it('trims trailing blank lines, keeping the line break of the last line shown', async () => {
    expect(await render('hi\n\n\n   \n')).toBe('hi\n');
    expect(await render('hi')).toBe('hi');
    expect(await render('\n\n')).toBe('');
    expect(await render(`result\nspin\r${ESC}[K`)).toBe('result\n');
  });
});

describe('fast path (plainText)', () => {
  const plain = [
    'hi\n',
    'hi',
    '',
    `${ESC}[32mPASS${ESC}[0m test/a.ts\n${ESC}[1;31mFAIL${ESC}[39;22m b\n`,
    'a\n\n\nb\n\n   \n',
    'héllo ✓ 日本 🎉 👍🏽\n',
    `${'x'.repeat(450)}\n${'中'.repeat(150)}\n`,
    '  indented  \n',
  ];

  it('agrees with the emulator on output that has only SGR and line feeds', async () => {
    for (const raw of plain) {
      expect(plainText(raw)).not.toBeNull();
      expect(plainText(raw)).toBe(await renderer.emulate(raw));
    }
  });

  it('does not run the emulator for such output', async () => {
    const spy = vi.spyOn(renderer, 'emulate');
    try {
      expect(await render(`${ESC}[32mok${ESC}[0m\n`)).toBe('ok\n');
      expect(spy).not.toHaveBeenCalled();
      await render('a\rb\n');
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('falls back to per-line stripping if the emulator fails: the task keeps a result', async () => {
    const broken = new TerminalRenderer();
    vi.spyOn(broken, 'emulate').mockRejectedValue(new Error('emulator bug'));
    expect(await broken.render(`50%\r100%${ESC}[K\n`)).toBe('100%\n');
  });

  it('leaves to the emulator any other control or escape', () => {
    for (const raw of ['a\rb', 'a\tb', 'a\bb', `${ESC}[K`, `${ESC}]0;title\x07`, `${ESC}[1A`, '\x9b1A'])
      expect(plainText(raw)).toBeNull();
  });
});
