import { describe, it, expect } from 'vitest';
import { applyBackspaces, cleanLine, stripAnsi } from '../../src/domain/terminal-text.js';

const ESC = '\x1b';

describe('stripAnsi', () => {
  it('returns plain text unchanged', () => {
    expect(stripAnsi('hello world\ttab')).toBe('hello world\ttab');
  });

  it('removes CSI colour and cursor sequences', () => {
    expect(stripAnsi(`${ESC}[1;31mred${ESC}[0m ${ESC}[38;5;200mx${ESC}[m`)).toBe('red x');
    expect(stripAnsi(`a${ESC}[2Kb${ESC}[10;20Hc${ESC}[?25l`)).toBe('abc');
  });

  it('removes bash bracketed-paste toggles', () => {
    expect(stripAnsi(`${ESC}[?2004l\rout`)).toBe('\rout');
    expect(stripAnsi(`${ESC}[?2004h$ `)).toBe('$ ');
  });

  it('removes OSC sequences ended by BEL or ST', () => {
    expect(stripAnsi(`${ESC}]0;my title\x07prompt`)).toBe('prompt');
    expect(stripAnsi(`${ESC}]8;;https://x.io${ESC}\\link${ESC}]8;;${ESC}\\`)).toBe('link');
    expect(stripAnsi(`${ESC}]7;file://host/srv/api\x07$ `)).toBe('$ ');
  });

  it('removes charset selection and two-byte ESC sequences', () => {
    expect(stripAnsi(`${ESC}(Babc${ESC})0`)).toBe('abc');
    expect(stripAnsi(`${ESC}=x${ESC}>y${ESC}7z${ESC}8${ESC}M`)).toBe('xyz');
  });

  it('removes DCS strings and 8-bit CSI', () => {
    expect(stripAnsi(`a${ESC}Pq#0;1;2${ESC}\\b`)).toBe('ab');
    expect(stripAnsi('a\u009b31mb\u009b0m')).toBe('ab');
  });

  it('drops only the introducer of an unterminated OSC and a lone trailing ESC', () => {
    expect(stripAnsi(`${ESC}]0;title`)).toBe('0;title');
    expect(stripAnsi(`text${ESC}`)).toBe('text');
    expect(stripAnsi(`text${ESC}[`)).toBe('text');
  });
});

describe('cleanLine', () => {
  it('keeps plain text (tabs included) as is', () => {
    expect(cleanLine('a\tb  c')).toBe('a\tb  c');
    expect(cleanLine('')).toBe('');
  });

  it('drops the CR of a CRLF line end', () => {
    expect(cleanLine('hello\r')).toBe('hello');
    expect(cleanLine('\r')).toBe('');
  });

  it('keeps only the text after the last CR (progress bars)', () => {
    expect(cleanLine('50%\r100%')).toBe('100%');
    expect(cleanLine('10%\r50%\r100%\r')).toBe('100%');
  });

  it('turns the bash 5 pre-output sequence into the marker line', () => {
    expect(cleanLine(`${ESC}[?2004l\r---BEGIN-OUTPUT-abc123---\r`)).toBe('---BEGIN-OUTPUT-abc123---');
  });

  it('strips colours inside a line', () => {
    expect(cleanLine(`${ESC}[32mPASS${ESC}[0m test/a.ts\r`)).toBe('PASS test/a.ts');
  });

  it('applies backspaces and drops other controls', () => {
    expect(cleanLine('a\bb')).toBe('b');
    expect(cleanLine('abc\b\bX')).toBe('aX');
    expect(cleanLine('\bx')).toBe('x');
    expect(cleanLine('bell\x07 nul\x00 del\x7f')).toBe('bell nul del');
  });

  it('keeps non-ASCII text', () => {
    expect(cleanLine('héllo ✓ 日本 🎉\r')).toBe('héllo ✓ 日本 🎉');
  });
});

describe('applyBackspaces', () => {
  it('erases whole astral characters', () => {
    expect(applyBackspaces('a🎉\bb')).toBe('ab');
  });
});
