import { describe, it, expect } from 'vitest';
import {
  MAX_TYPED_LINE_BYTES,
  beginMarker,
  buildReadyProbe,
  buildSourceLine,
  buildTaskFunction,
  buildTaskLine,
  buildTaskScript,
  endMarker,
  parseEndedAtMs,
  isSafeMarkerId,
  readyMarker,
  shellQuote,
  utf8ByteLength,
} from '../../src/domain/marker.js';

describe('marker ids', () => {
  it('accepts nanoid/uuid-like ids of 6..64 safe characters', () => {
    expect(isSafeMarkerId('abc123')).toBe(true);
    expect(isSafeMarkerId('V1StGXR8_Z5jdHi6B-myT')).toBe(true);
    expect(isSafeMarkerId('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isSafeMarkerId('a'.repeat(64))).toBe(true);
  });

  it('rejects short, long and unsafe ids', () => {
    for (const id of [
      '',
      'abc12',
      'a'.repeat(65),
      'abc 123',
      "abc'123",
      'abc:123',
      'abc$123',
      'abc;123',
      'abc\n123',
    ]) {
      expect(isSafeMarkerId(id), id).toBe(false);
    }
  });

  it('builders throw RangeError on unsafe ids', () => {
    expect(() => beginMarker('bad id!')).toThrow(RangeError);
    expect(() => endMarker("x'; rm -rf /", 0)).toThrow(RangeError);
    expect(() => readyMarker('short')).toThrow(RangeError);
    expect(() => buildTaskScript('a b c d e', 'true')).toThrow(RangeError);
    expect(() => buildReadyProbe('$(reboot)')).toThrow(RangeError);
  });
});

describe('marker lines', () => {
  it('have the documented shapes', () => {
    expect(beginMarker('abc123')).toBe('---BEGIN-OUTPUT-abc123---');
    expect(endMarker('abc123', 0)).toBe('---END-OF-OUTPUT-abc123:0---');
    expect(endMarker('abc123', 255)).toBe('---END-OF-OUTPUT-abc123:255---');
    expect(readyMarker('probe1')).toBe('---READY-probe1---');
  });

  it('endMarker rejects negative or fractional exit codes', () => {
    expect(() => endMarker('abc123', -1)).toThrow(RangeError);
    expect(() => endMarker('abc123', 1.5)).toThrow(RangeError);
    expect(() => endMarker('abc123', Number.NaN)).toThrow(RangeError);
  });
});

describe('shellQuote', () => {
  it('single-quotes and escapes embedded quotes', () => {
    expect(shellQuote('plain')).toBe("'plain'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$HOME; `x` "y"')).toBe(`'$HOME; \`x\` "y"'`);
  });
});

describe('buildSourceLine', () => {
  it('types a POSIX-quoted dot command', () => {
    expect(buildSourceLine('/srv/logs/tasks/abc123/run.sh')).toBe(". '/srv/logs/tasks/abc123/run.sh'");
    expect(buildSourceLine("/tmp/it's here/run.sh")).toBe(`. '/tmp/it'\\''s here/run.sh'`);
  });

  it('never contains a marker and refuses paths that would put one or a key in the typed line', () => {
    const line = buildSourceLine('/home/u/.tmuxorch/logs/tasks/abc123/run.sh');
    expect(line).not.toContain('---');
    expect(() => buildSourceLine('/tmp/---END-OF-OUTPUT-abc123:0---/run.sh')).toThrow(RangeError);
    expect(() => buildSourceLine('/tmp/a\nb')).toThrow(RangeError);
    expect(() => buildSourceLine('/tmp/a\x03b')).toThrow(RangeError);
    expect(() => buildSourceLine('')).toThrow(RangeError);
  });

  it('keeps typed lines well under the tty line limit', () => {
    expect(MAX_TYPED_LINE_BYTES).toBeLessThanOrEqual(4096 / 2);
    expect(() => buildSourceLine(`/${'a'.repeat(MAX_TYPED_LINE_BYTES)}`)).toThrow(RangeError);
    // Bytes, not characters: 400 three-byte characters are 1200 bytes.
    expect(() => buildSourceLine(`/${'日'.repeat(400)}`)).toThrow(RangeError);
    expect(buildSourceLine(`/${'a'.repeat(MAX_TYPED_LINE_BYTES - 10)}`)).toHaveLength(
      MAX_TYPED_LINE_BYTES - 5,
    );
  });
});

describe('utf8ByteLength', () => {
  it('counts UTF-8 bytes', () => {
    expect(utf8ByteLength('abc')).toBe(3);
    expect(utf8ByteLength('é')).toBe(2);
    expect(utf8ByteLength('日')).toBe(3);
    expect(utf8ByteLength('🎉')).toBe(4);
    expect(utf8ByteLength('a🎉é日')).toBe(new TextEncoder().encode('a🎉é日').length);
  });
});

describe('buildReadyProbe', () => {
  it('prints the ready marker without typing it', () => {
    const line = buildReadyProbe('probe1');
    expect(line).toBe(`printf '\\n%s%s\\n' '---READY' '-probe1---'`);
    expect(line).not.toContain(readyMarker('probe1'));
    expect(line).not.toContain('\n');
  });

  it('never contains the whole marker, whatever the id', () => {
    for (const id of ['abcdef', '------', '-READY-x', 'READY-abc', 'x'.repeat(64)]) {
      expect(buildReadyProbe(id)).not.toContain(readyMarker(id));
    }
  });
});

describe('buildTaskScript', () => {
  const script = buildTaskScript('abc123', 'echo hi');

  it('never contains the whole markers in its text', () => {
    expect(script).not.toContain(beginMarker('abc123'));
    expect(script).not.toContain('---END-OF-OUTPUT-abc123:');
  });

  it('runs the command in a subshell on lines of its own', () => {
    const lines = script.split('\n');
    const open = lines.indexOf('(');
    expect(open).toBeGreaterThan(0);
    expect(lines[open + 1]).toBe("eval 'echo hi");
    expect(lines[open + 2]).toBe("'");
    expect(lines[open + 3]).toBe(')');
  });

  it('keeps a heredoc delimiter on a line of its own', () => {
    const text = buildTaskScript('abc123', 'cat <<EOF\nbody\nEOF');
    expect(text.split('\n')).toContain('EOF');
  });

  it('reports the status through a private variable and unsets it', () => {
    expect(script).toContain('__tmuxorch_rc=$?');
    expect(script).toContain('"$__tmuxorch_rc"');
    expect(script.trimEnd().split('\n').at(-1)).toBe('unset __tmuxorch_rc');
  });

  it('prints a newline before the end marker, with the status and the end time', () => {
    expect(script).toContain(
      `builtin printf '\\n%s-%s:%d@%s---\\n' '---END-OF-OUTPUT' 'abc123' "$__tmuxorch_rc" "$EPOCHREALTIME"`,
    );
  });
});

describe('end time in the end marker', () => {
  it('is optional in endMarker and parsed with a dot or a comma', () => {
    expect(endMarker('abc123', 0, '1700000000.123456')).toBe(
      '---END-OF-OUTPUT-abc123:0@1700000000.123456---',
    );
    expect(parseEndedAtMs('1700000000.123456')).toBeCloseTo(1_700_000_000_123.456, 2);
    expect(parseEndedAtMs('1700000000,5')).toBe(1_700_000_000_500);
    expect(parseEndedAtMs('')).toBeNull();
    expect(parseEndedAtMs(undefined)).toBeNull();
  });
});

describe('buildTaskFunction / buildTaskLine', () => {
  const rc = '/home/u/.tmuxorch/state/worker.bashrc';

  it('never holds a whole marker in the function or the typed line', () => {
    const text = buildTaskFunction() + (buildTaskLine('abc123', 'echo hi', rc) ?? '');
    expect(text).not.toContain('---BEGIN-OUTPUT-');
    expect(text).not.toContain('---END-OF-OUTPUT-');
  });

  it('types the command single-quoted after a guard that sources the rc file', () => {
    expect(buildTaskLine('abc123', "echo it's", rc)).toBe(
      `declare -F __tmuxorch_task_1 >/dev/null || . '${rc}'; __tmuxorch_task_1 abc123 'echo it'\\''s'`,
    );
  });

  it('refuses commands with control characters, marker prefixes or too many bytes', () => {
    expect(buildTaskLine('abc123', 'echo a\necho b', rc)).toBeNull();
    expect(buildTaskLine('abc123', 'printf "a\tb"', rc)).toBeNull();
    expect(buildTaskLine('abc123', 'echo ---END-OF-OUTPUT-x', rc)).toBeNull();
    expect(buildTaskLine('abc123', `echo ${'é'.repeat(MAX_TYPED_LINE_BYTES / 2)}`, rc)).toBeNull();
  });

  it('refuses an rc path that cannot be typed', () => {
    expect(() => buildTaskLine('abc123', 'true', '/tmp/a\nb')).toThrow(RangeError);
  });
});
