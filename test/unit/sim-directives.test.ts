// The sim agent's task language is what every sim-driven test speaks: a change here silently
// changes what those tests do, so each directive's shape is pinned.
import { describe, expect, it } from 'vitest';
import { parseDirective, parseTask, projectRelative, replyTo } from '../../src/sim/directives.js';

describe('parseDirective', () => {
  it('reads write and append with the file and the text after the first colon', () => {
    expect(parseDirective('write a.txt: hi')).toEqual({ kind: 'write', file: 'a.txt', text: 'hi' });
    expect(parseDirective('append dir/b.md: more')).toEqual({
      kind: 'append',
      file: 'dir/b.md',
      text: 'more',
    });
    // The text may itself hold colons (URLs, times).
    expect(parseDirective('write u.txt: http://x:80')).toEqual({
      kind: 'write',
      file: 'u.txt',
      text: 'http://x:80',
    });
    expect(parseDirective('write empty.txt:')).toEqual({ kind: 'write', file: 'empty.txt', text: '' });
  });

  it('turns a literal \\n in the text into a newline', () => {
    expect(parseDirective('write a.txt: one\\ntwo\\nthree')).toEqual({
      kind: 'write',
      file: 'a.txt',
      text: 'one\ntwo\nthree',
    });
  });

  it('reads ask, sleep, fail and limit', () => {
    expect(parseDirective('ask: ok?')).toEqual({ kind: 'ask', question: 'ok?' });
    expect(parseDirective('sleep 250')).toEqual({ kind: 'sleep', ms: 250 });
    expect(parseDirective('sleep 250ms')).toEqual({ kind: 'sleep', ms: 250 });
    expect(parseDirective('sleep 250 ms')).toEqual({ kind: 'sleep', ms: 250 });
    expect(parseDirective('fail: disk full')).toEqual({ kind: 'fail', reason: 'disk full' });
    expect(parseDirective('fail:')).toEqual({ kind: 'fail', reason: 'failed' });
    expect(parseDirective('limit: 5')).toEqual({ kind: 'limit', seconds: 300 });
    expect(parseDirective('limit: 5 min')).toEqual({ kind: 'limit', seconds: 300 });
    expect(parseDirective('limit: 2s')).toEqual({ kind: 'limit', seconds: 2 });
    expect(parseDirective('limit: 90 minutes')).toEqual({ kind: 'limit', seconds: 5400 });
  });

  it('ignores the case of the keyword but keeps the case of the file', () => {
    expect(parseDirective('WRITE A.txt: Hi')).toEqual({ kind: 'write', file: 'A.txt', text: 'Hi' });
    expect(parseDirective('Append B.txt: x')).toEqual({ kind: 'append', file: 'B.txt', text: 'x' });
    expect(parseDirective('ASK: Go?')).toEqual({ kind: 'ask', question: 'Go?' });
    expect(parseDirective('Sleep 10 MS')).toEqual({ kind: 'sleep', ms: 10 });
    expect(parseDirective('FAIL: X')).toEqual({ kind: 'fail', reason: 'X' });
    expect(parseDirective('Limit: 3 Minutes')).toEqual({ kind: 'limit', seconds: 180 });
  });

  it('caps sleep at 10 minutes so a typo cannot hang a test for days', () => {
    expect(parseDirective('sleep 600000')).toEqual({ kind: 'sleep', ms: 600_000 });
    expect(parseDirective('sleep 600001')).toEqual({ kind: 'sleep', ms: 600_000 });
    expect(parseDirective('sleep 999999999')).toEqual({ kind: 'sleep', ms: 600_000 });
  });

  it('answers anything else, trimmed, as plain text', () => {
    expect(parseDirective('  hello there  ')).toEqual({ kind: 'say', text: 'hello there' });
    // Near misses of a directive must not half-match one.
    expect(parseDirective('sleep soon')).toEqual({ kind: 'say', text: 'sleep soon' });
    expect(parseDirective('sleep -5')).toEqual({ kind: 'say', text: 'sleep -5' });
    expect(parseDirective('limit: lots')).toEqual({ kind: 'say', text: 'limit: lots' });
    expect(parseDirective('writer a.txt: x')).toEqual({ kind: 'say', text: 'writer a.txt: x' });
    expect(parseDirective('write a.txt')).toEqual({ kind: 'say', text: 'write a.txt' });
  });
});

describe('parseTask', () => {
  it('reads one directive per line and skips blank lines (LF or CRLF)', () => {
    expect(parseTask('write a.txt: 1\n\n   \r\nask: go?\r\nsleep 5\n')).toEqual([
      { kind: 'write', file: 'a.txt', text: '1' },
      { kind: 'ask', question: 'go?' },
      { kind: 'sleep', ms: 5 },
    ]);
  });

  it('gives nothing to do for an empty or blank task', () => {
    expect(parseTask('')).toEqual([]);
    expect(parseTask('\n  \n\t\n')).toEqual([]);
  });
});

describe('projectRelative', () => {
  it('normalises paths inside the project', () => {
    expect(projectRelative('a.txt')).toBe('a.txt');
    expect(projectRelative('./a.txt')).toBe('a.txt');
    expect(projectRelative('dir//sub/./f.txt')).toBe('dir/sub/f.txt');
    // A name that merely starts with dots is an ordinary file.
    expect(projectRelative('..hidden')).toBe('..hidden');
  });

  it('rejects paths that would leave the project or name no file', () => {
    for (const path of ['/etc/passwd', '../x', 'a/../../x', 'a/../b', '..', '', '.', './', '//x']) {
      expect(projectRelative(path), path).toBeNull();
    }
  });
});

describe('replyTo', () => {
  it('is deterministic', () => {
    expect(replyTo('hello')).toBe(replyTo('hello'));
    expect(replyTo('hello')).toMatch(/^sim read "hello" \(5 chars, #[0-9a-f]{8}\)$/);
  });

  it('differs for different text', () => {
    const replies = new Set(['hello', 'hellp', 'Hello', 'hello ', ''].map(replyTo));
    expect(replies.size).toBe(5);
  });

  it('shortens long text but counts all of it', () => {
    const text = 'x'.repeat(100);
    const reply = replyTo(text);
    expect(reply).toContain(`"${'x'.repeat(57)}..."`);
    expect(reply).not.toContain('x'.repeat(58));
    expect(reply).toContain('(100 chars,');
    // Exactly 60 characters still fit.
    expect(replyTo('y'.repeat(60))).toContain(`"${'y'.repeat(60)}"`);
  });
});
