// parseTestCounts against runner output in test/fixtures/runner-output/<runner>-<case>.txt. Every
// fixture must have an expected count here, so a new capture cannot slip in untested.
//
// Real captures (stdout+stderr of the runner on a scratch project under /tmp, Node 20.20, Linux):
//   node-test-*     `node --test` on files with passing, failing, `test.skip`, `t.skip()` and
//                   `test.todo` tests: -spec (`--test-reporter=spec`, not a TTY), -tap (the default
//                   when stdout is not a TTY) and -tap-passing, -tty-ansi (the default on a TTY,
//                   which is spec with colours and CRLF, run under `script`)
//   vitest-*        vitest 4.1.12 `vitest run` in a scratch root with its own config (NO_COLOR=1
//                   for the plain ones); -no-tests is a file that throws on import
//   jest-*          jest 30.5.2 (`--colors` for -ansi), installed under /tmp
//   mocha-*         mocha 12.0.3 spec reporter (`--color` for -ansi), installed under /tmp
//   pytest-*        pytest 9.0.3 (-quiet is `-q`, -ansi is `--color=yes`) with xfail, xpass, a
//                   fixture error, an empty directory and an import error at collection
//   cargo-*         cargo 1.95 `cargo test --no-fail-fast` on a lib with unit, integration and doc
//                   tests (-ansi adds `--color=always -- --color=always`; -passing uses `--skip`)
// Written from documentation (go is not installed here): go-verbose (`go test -v ./...` with
// subtests, a skip and a build failure) and go-packages (`go test ./...`, cached and coverage
// lines), in the formats cmd/go prints (`ok  \t<pkg>\t0.003s`, `FAIL\t<pkg> [build failed]`).
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTestCounts, type TestCounts } from '../../src/domain/run/test-counts.js';
import { stripAnsi } from '../../src/domain/terminal-text.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/runner-output');
const read = (file: string) => readFileSync(resolve(FIXTURES, file), 'utf8');

type Counts = Omit<TestCounts, 'runner'>;
const c = (passed: number, failed: number, skipped: number): Counts => ({ passed, failed, skipped });

const EXPECTED: Readonly<Record<string, TestCounts>> = {
  // 4 pass, 1 fail, 2 skipped + 1 todo; the todo counts as skipped.
  'node-test-spec.txt': { runner: 'node:test', ...c(4, 1, 3) },
  'node-test-tap.txt': { runner: 'node:test', ...c(4, 1, 3) },
  'node-test-tap-passing.txt': { runner: 'node:test', ...c(2, 0, 0) },
  'node-test-tty-ansi.txt': { runner: 'node:test', ...c(4, 1, 3) },
  // 1 failed | 3 passed | 2 skipped | 1 todo (7)
  'vitest-failing.txt': { runner: 'vitest', ...c(3, 1, 3) },
  'vitest-failing-ansi.txt': { runner: 'vitest', ...c(3, 1, 3) },
  'vitest-passing.txt': { runner: 'vitest', ...c(1, 0, 0) },
  // `Tests  no tests`: the failed file shows in the exit code, not in test counts.
  'vitest-no-tests.txt': { runner: 'vitest', ...c(0, 0, 0) },
  // 1 failed, 1 skipped, 1 todo, 3 passed, 6 total
  'jest-failing.txt': { runner: 'jest', ...c(3, 1, 2) },
  'jest-failing-ansi.txt': { runner: 'jest', ...c(3, 1, 2) },
  'jest-passing.txt': { runner: 'jest', ...c(3, 0, 0) },
  // 2 passing, 3 pending, 1 failing
  'mocha-failing.txt': { runner: 'mocha', ...c(2, 1, 3) },
  'mocha-failing-ansi.txt': { runner: 'mocha', ...c(2, 1, 3) },
  'mocha-passing.txt': { runner: 'mocha', ...c(2, 0, 0) },
  // 2 failed, 3 passed, 2 skipped, 1 xfailed, 1 xpassed, 1 error
  'pytest-failing.txt': { runner: 'pytest', ...c(4, 3, 3) },
  'pytest-failing-ansi.txt': { runner: 'pytest', ...c(4, 3, 3) },
  'pytest-quiet.txt': { runner: 'pytest', ...c(4, 3, 3) },
  'pytest-passing.txt': { runner: 'pytest', ...c(2, 0, 0) },
  'pytest-no-tests.txt': { runner: 'pytest', ...c(0, 0, 0) },
  'pytest-collection-error.txt': { runner: 'pytest', ...c(0, 1, 0) },
  // lib 2/1/1 + integration 1/1/1 + doc-tests 1/0/0
  'cargo-failing.txt': { runner: 'cargo', ...c(4, 2, 2) },
  'cargo-failing-ansi.txt': { runner: 'cargo', ...c(4, 2, 2) },
  // lib 2/0/1 + integration 1/0/1 + doc-tests 1/0/0 (the failing ones filtered out)
  'cargo-passing.txt': { runner: 'cargo', ...c(4, 0, 2) },
  // calc: leaves pass 3 fail 2 skip 1 (TestTable is a container); format: pass 2 skip 1;
  // broken: build failed, one failure; cmd: no test files.
  'go-verbose.txt': { runner: 'go', ...c(5, 3, 2) },
  // Without -v the unit is the package: 2 ok, 1 FAIL, 1 without test files.
  'go-packages.txt': { runner: 'go', ...c(2, 1, 0) },
};

const ESC = '\x1b';
// Colours every word and number the way runners do, to check that nothing relies on plain text.
// The -ansi captures are stripped first: re-colouring inside their escape sequences would break them.
const colourEveryWord = (text: string) =>
  stripAnsi(text).replace(/[\w.]+/g, (w) => `${ESC}[1m${ESC}[32m${w}${ESC}[39m${ESC}[22m`);

describe('parseTestCounts on runner output', () => {
  it('has an expected count for every fixture, and a fixture for every expected count', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`reads ${file}`, () => {
      expect(parseTestCounts(read(file))).toEqual(expected);
    });

    it(`reads ${file} with every word coloured, CRLF line ends and the tabs a pane shows as spaces`, () => {
      const text = colourEveryWord(read(file)).replace(/\n/g, '\r\n');
      expect(parseTestCounts(text)).toEqual(expected);
      expect(parseTestCounts(read(file).replace(/\t/g, '    '))).toEqual(expected);
    });
  }

  it('the -ansi captures really hold colour codes', () => {
    for (const file of Object.keys(EXPECTED).filter((f) => f.includes('-ansi'))) {
      expect(read(file), file).toContain(`${ESC}[`);
    }
  });
});

describe('parseTestCounts across several runs', () => {
  it('reports the runner whose summary comes last', () => {
    const text = read('vitest-failing.txt') + read('pytest-passing.txt');
    expect(parseTestCounts(text)).toEqual({ runner: 'pytest', ...c(2, 0, 0) });
    expect(parseTestCounts(read('pytest-passing.txt') + read('jest-failing.txt'))?.runner).toBe('jest');
    expect(parseTestCounts(read('cargo-passing.txt') + read('node-test-tap.txt'))?.runner).toBe('node:test');
  });

  it('takes the last summary of a one-summary runner (a watch-mode re-run supersedes the first)', () => {
    expect(parseTestCounts(read('vitest-failing.txt') + read('vitest-passing.txt'))).toEqual({
      runner: 'vitest',
      ...c(1, 0, 0),
    });
    expect(parseTestCounts(read('node-test-tap.txt') + read('node-test-tap-passing.txt'))).toEqual({
      runner: 'node:test',
      ...c(2, 0, 0),
    });
  });

  it('sums every cargo test binary and every go package', () => {
    const twice = read('cargo-failing.txt') + read('cargo-passing.txt');
    expect(parseTestCounts(twice)).toEqual({ runner: 'cargo', ...c(8, 2, 4) });
    const lines = ['ok  \ta/b\t0.01s', 'ok  \ta/c\t(cached)', 'FAIL\ta/d\t0.20s', 'ok  \ta/e\t0.01s'];
    expect(parseTestCounts(lines.join('\n'))).toEqual({ runner: 'go', ...c(3, 1, 0) });
  });
});

describe('parseTestCounts on single summary lines', () => {
  it('reads the node:test block with a cancelled test as a failure', () => {
    const block = [
      '# tests 5',
      '# suites 1',
      '# pass 2',
      '# fail 1',
      '# cancelled 1',
      '# skipped 1',
      '# todo 0',
    ];
    expect(parseTestCounts(block.join('\n'))).toEqual({ runner: 'node:test', ...c(2, 2, 1) });
  });

  it('counts vitest expected failures as passed', () => {
    const text = ' Test Files  1 passed (1)\n      Tests  2 passed | 1 expected fail (3)\n';
    expect(parseTestCounts(text)).toEqual({ runner: 'vitest', ...c(3, 0, 0) });
  });

  it('reads pytest lines with warnings, deselected, plugin words and long durations', () => {
    const lines: ReadonlyArray<[string, Counts]> = [
      ['===== 2 failed, 3 passed, 1 skipped in 0.12s =====', c(3, 2, 1)],
      ['== 7 passed, 2 deselected, 3 warnings in 65.43s (0:01:05) ==', c(7, 0, 0)],
      ['1 failed, 4 passed, 6 subtests passed in 0.30s', c(4, 1, 0)],
      ['==== no tests ran, 1 warning in 0.01s ====', c(0, 0, 0)],
    ];
    for (const [line, counts] of lines)
      expect(parseTestCounts(line)).toEqual({ runner: 'pytest', ...counts });
  });

  it('reads the cargo line from its documentation', () => {
    const line =
      'test result: FAILED. 3 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.00s';
    expect(parseTestCounts(line)).toEqual({ runner: 'cargo', ...c(3, 1, 2) });
  });

  it('keeps the last frame of a line redrawn with carriage returns', () => {
    expect(parseTestCounts('  1 passing (3ms)\r  9 passing (5ms)\n')).toEqual({
      runner: 'mocha',
      ...c(9, 0, 0),
    });
  });
});

describe('parseTestCounts finds no summary', () => {
  const UNRELATED: Readonly<Record<string, string>> = {
    empty: '',
    prose: 'All 3 passing checks look fine.\nTests: pending review\n',
    'tsc errors': "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n",
    'eslint summary': '✖ 3 problems (3 errors, 0 warnings)\n',
    'npm install': 'added 312 packages, and audited 313 packages in 4s\nfound 0 vulnerabilities\n',
    'TAP lines without a summary': 'TAP version 13\nok 1 - adds\nnot ok 2 - fails\n1..2\n',
    'a build tool timing line': 'Compiled 3 files in 0.52s\n',
    'a jest line without total': 'Tests:       3 passed\n',
    'a vitest Tests line without Test Files': '      Tests  3 passed (3)\n',
    'a mocha count without duration': '  5 passing\n',
    'go test with no test files': '?   \texample.com/cmd\t[no test files]\n',
    'the word ok and FAIL alone': 'ok\nFAIL\nPASS\n',
  };
  for (const [name, text] of Object.entries(UNRELATED)) {
    it(`returns null for ${name}`, () => {
      expect(parseTestCounts(text)).toBeNull();
    });
  }
});
