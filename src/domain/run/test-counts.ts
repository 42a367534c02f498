// Test counts read from the summary a test runner prints, so `tmuxorch run` can say "12 passed,
// 1 failed" for a project without knowing how its tests are run or asking for a machine format.
//
// Each runner's own summary is trusted rather than counting per-test lines: only the runner knows
// what it ran (a describe block is not a test, a parametrized case is). Where a runner prints
// several summaries, the rules are:
//   - the runner whose summary comes LAST in the output is the one reported: a script such as
//     `vitest run && pytest` ends with the summary of the last thing it ran, and the brief asks
//     for the final summary;
//   - vitest, jest, mocha, node:test and pytest print one summary for a whole run, so a second one
//     means a re-run (watch mode, a retry) and the last supersedes the earlier ones;
//   - cargo prints one `test result:` per test binary (unit, integration, doc-tests) and go one
//     `ok`/`FAIL` line per package: those are parts of one run and are summed.
//
// Mapping to passed / failed / skipped, following each runner's own notion where it has one:
//   node:test  cancelled → failed (it fails the run); todo → skipped (did not count as a pass)
//   vitest     expected fail (`test.fails`) → passed, as vitest counted it before giving it a
//              label; todo → skipped
//   jest       todo → skipped
//   mocha      pending → skipped
//   pytest     error → failed (a broken fixture or a collection error fails the run); xfailed →
//              skipped and xpassed → passed, as pytest's own JUnit report files them; deselected
//              and warnings are not counted
//   cargo      ignored → skipped; measured (benchmarks) and filtered out are not counted
//   go         with -v: leaf tests (a test whose subtests are listed is a container, like a
//              describe block), a package that FAILs without any test lines (build failure)
//              counts one failure; without -v go lists no passing tests, so the unit is the
//              package: `ok` → passed, `FAIL` → failed, `[no test files]` not counted.
import { cleanLine } from '../terminal-text.js';

export interface TestCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly runner: 'vitest' | 'jest' | 'mocha' | 'node:test' | 'pytest' | 'go' | 'cargo';
}

// A runner's summary and the index of its last line, which decides which runner came last.
interface Found {
  readonly counts: TestCounts;
  readonly line: number;
}

type Parser = (lines: readonly string[]) => Found | null;

const counts = (runner: TestCounts['runner'], passed: number, failed: number, skipped: number) => ({
  runner,
  passed,
  failed,
  skipped,
});

// `      Tests  1 failed | 3 passed | 2 skipped | 1 todo (7)` or `      Tests  no tests`, always
// right after the `Test Files` line: requiring that pair keeps other `Tests` lines out.
const VITEST_TESTS = /^ *Tests {2}(?:no tests|(.+) \(\d+\))$/;
const VITEST_FILES = /^ *Test Files {2}/;
const VITEST_PART = /^(\d+) (failed|passed|expected fail|skipped|todo)$/;

function parseVitest(lines: readonly string[]): Found | null {
  for (let i = lines.length - 1; i > 0; i--) {
    const m = VITEST_TESTS.exec(lines[i] ?? '');
    if (!m || !VITEST_FILES.test(lines[i - 1] ?? '')) continue;
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const parts = m[1] === undefined ? [] : m[1].split(' | ');
    const ok = parts.every((part) => {
      const p = VITEST_PART.exec(part.trim());
      if (!p) return false;
      const n = Number(p[1]);
      if (p[2] === 'failed') failed += n;
      else if (p[2] === 'passed' || p[2] === 'expected fail') passed += n;
      else skipped += n;
      return true;
    });
    if (ok) return { counts: counts('vitest', passed, failed, skipped), line: i };
  }
  return null;
}

// `Tests:       1 failed, 1 skipped, 1 todo, 3 passed, 6 total`: the `total` part is required.
const JEST_TESTS = /^Tests:\s+(.*\d+ total)$/;
const JEST_PART = /^(\d+) (failed|skipped|todo|passed|total)$/;

function parseJest(lines: readonly string[]): Found | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = JEST_TESTS.exec((lines[i] ?? '').trim());
    if (!m?.[1]) continue;
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const ok = m[1].split(', ').every((part) => {
      const p = JEST_PART.exec(part.trim());
      if (!p) return false;
      const n = Number(p[1]);
      if (p[2] === 'failed') failed += n;
      else if (p[2] === 'passed') passed += n;
      else if (p[2] !== 'total') skipped += n;
      return true;
    });
    if (ok) return { counts: counts('jest', passed, failed, skipped), line: i };
  }
  return null;
}

// `  2 passing (13ms)` then optional `  3 pending` and `  1 failing` on the next lines. The
// duration in brackets is what tells mocha's epilogue from prose that says "2 passing".
const MOCHA_PASSING = /^ *(\d+) passing \(\d+(?:\.\d+)?(?:ms|s|m|h)\)$/;
const MOCHA_MORE = /^ *(\d+) (pending|failing)$/;

function parseMocha(lines: readonly string[]): Found | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = MOCHA_PASSING.exec(lines[i] ?? '');
    if (!m) continue;
    let failed = 0;
    let skipped = 0;
    let last = i;
    for (let j = i + 1; j < lines.length; j++) {
      const more = MOCHA_MORE.exec(lines[j] ?? '');
      if (!more) break;
      if (more[2] === 'failing') failed += Number(more[1]);
      else skipped += Number(more[1]);
      last = j;
    }
    return { counts: counts('mocha', Number(m[1]), failed, skipped), line: last };
  }
  return null;
}

// The block node:test ends with, `# pass 4` in TAP (the default when stdout is not a TTY) and
// `ℹ pass 4` in the spec reporter (the default on a TTY). A block needs tests, pass and fail.
const NODE_FIELD = /^(?:# |ℹ )(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)$/;

function parseNodeTest(lines: readonly string[]): Found | null {
  let found: Found | null = null;
  let block = new Map<string, number>();
  const close = (end: number) => {
    const pass = block.get('pass');
    const fail = block.get('fail');
    if (block.has('tests') && pass !== undefined && fail !== undefined) {
      const failed = fail + (block.get('cancelled') ?? 0);
      const skipped = (block.get('skipped') ?? 0) + (block.get('todo') ?? 0);
      found = { counts: counts('node:test', pass, failed, skipped), line: end };
    }
    block = new Map();
  };
  lines.forEach((line, i) => {
    const m = NODE_FIELD.exec(line.trimEnd());
    if (!m?.[1]) {
      if (block.size > 0) close(i - 1);
      return;
    }
    if (m[1] === 'tests' && block.size > 0) close(i - 1);
    block.set(m[1], Number(m[2]));
  });
  if (block.size > 0) close(lines.length - 1);
  return found;
}

// `==== 2 failed, 3 passed, 1 skipped in 0.12s ====`, without the bars under `-q`; pytest adds
// `(0:01:05)` past a minute. Every part must read `N word`, one of them a word pytest uses, so
// "3 files in 0.5s" from some other tool is not taken for a summary.
const PYTEST_LINE = /^(?:=+ )?(.+?) in \d+(?:\.\d+)?s(?: \([\d:]+\))?(?: =+)?$/;
const PYTEST_PART = /^(?:no tests ran|(\d+) ([a-z][a-z ]*))$/;
const PYTEST_WORDS = new Set(['passed', 'failed', 'error', 'errors', 'skipped', 'xfailed', 'xpassed']);
const PYTEST_PLUGIN_PART = /^[a-z]+ (?:passed|failed|skipped|xfailed|xpassed)$/;
const PYTEST_UNCOUNTED_WORDS = new Set(['deselected', 'warning', 'warnings', 'rerun', 'reruns']);

function parsePytest(lines: readonly string[]): Found | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = PYTEST_LINE.exec((lines[i] ?? '').trim());
    if (!m?.[1]) continue;
    const tally = { passed: 0, failed: 0, skipped: 0 };
    let known = false;
    const ok = m[1].split(', ').every((part) => {
      const p = PYTEST_PART.exec(part);
      if (!p) return false;
      if (p[1] === undefined || p[2] === undefined) {
        known = true; // `no tests ran`
        return true;
      }
      const n = Number(p[1]);
      if (p[2] === 'passed' || p[2] === 'xpassed') tally.passed += n;
      else if (p[2] === 'failed' || p[2] === 'error' || p[2] === 'errors') tally.failed += n;
      else if (p[2] === 'skipped' || p[2] === 'xfailed') tally.skipped += n;
      known ||= PYTEST_WORDS.has(p[2]);
      // Plugins add words of their own (`3 subtests passed`): tolerated, not counted.
      return PYTEST_WORDS.has(p[2]) || PYTEST_UNCOUNTED_WORDS.has(p[2]) || PYTEST_PLUGIN_PART.test(p[2]);
    });
    if (ok && known) return { counts: counts('pytest', tally.passed, tally.failed, tally.skipped), line: i };
  }
  return null;
}

// `test result: FAILED. 3 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in …`
const CARGO_RESULT = /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored;/;

function parseCargo(lines: readonly string[]): Found | null {
  let found: Found | null = null;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  lines.forEach((line, i) => {
    const m = CARGO_RESULT.exec(line.trim());
    if (!m) return;
    passed += Number(m[1]);
    failed += Number(m[2]);
    skipped += Number(m[3]);
    found = { counts: counts('cargo', passed, failed, skipped), line: i };
  });
  return found;
}

// Go separates fields with tabs; `\s+` also accepts the spaces a tmux capture turns them into.
const GO_RESULT = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(\d+(?:\.\d+)?s\)/;
const GO_PACKAGE = /^(ok|FAIL)\s+\S+\s+(?:\d+(?:\.\d+)?s|\(cached\)|\[[^\]]*\])/;
const GO_VERBOSE = /^=== RUN /;

function parseGo(lines: readonly string[]): Found | null {
  const verbose = lines.some((line) => GO_VERBOSE.test(line));
  let found: Found | null = null;
  const tally = { passed: 0, failed: 0, skipped: 0 };
  let results = new Map<string, string>(); // the current package's tests, name → PASS/FAIL/SKIP
  lines.forEach((line, i) => {
    const r = GO_RESULT.exec(line);
    if (r?.[1] && r[2]) {
      results.set(r[2], r[1]);
      return;
    }
    const pkg = GO_PACKAGE.exec(line);
    if (!pkg) return;
    if (verbose && results.size > 0) {
      const names = [...results.keys()];
      for (const [name, status] of results) {
        if (names.some((other) => other.startsWith(`${name}/`))) continue;
        if (status === 'PASS') tally.passed += 1;
        else if (status === 'FAIL') tally.failed += 1;
        else tally.skipped += 1;
      }
    } else if (pkg[1] === 'FAIL') {
      // Without -v, or a package whose tests never ran (build failure, TestMain exit): one unit.
      tally.failed += 1;
    } else if (!verbose) {
      // Under -v an `ok` package with no test lines ran none (`[no tests to run]`): nothing to count.
      tally.passed += 1;
    }
    results = new Map();
    found = { counts: counts('go', tally.passed, tally.failed, tally.skipped), line: i };
  });
  return found;
}

const PARSERS: readonly Parser[] = [
  parseVitest,
  parseJest,
  parseMocha,
  parseNodeTest,
  parsePytest,
  parseCargo,
  parseGo,
];

// The counts of the last summary in `output` (raw terminal text: colour codes, CRLF and `\r`
// redraws are cleaned first), or null when no runner's summary is found.
export function parseTestCounts(output: string): TestCounts | null {
  const lines = output.split('\n').map(cleanLine);
  let best: Found | null = null;
  for (const parse of PARSERS) {
    const found = parse(lines);
    if (found && (best === null || found.line > best.line)) best = found;
  }
  return best?.counts ?? null;
}
