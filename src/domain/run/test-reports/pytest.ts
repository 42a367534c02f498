// pytest, from `-v` lines (`test_a.py::TestX::test_y PASSED  [ 50%]`) or, without -v, from the
// `-rA` short test summary (`PASSED test_a.py::test_y`, `FAILED … - assert 2 < 2`; a skip is
// listed by place, `SKIPPED [2] test_a.py:9: reason`, as many tests as the count in brackets).
// Each failure's section under `= FAILURES =` (`____ TestX.test_y ____`) gives its details: the
// `E   ` lines are the assertion, the `test_a.py:19: AssertionError` line the place.
// Names as pytest's own JUnit report gives them: classname `test_a.TestX`, name `test_y[2]`.
// xfail → skipped, xpass → passed and ERROR → error, as in that report.
import { blockText, testCase, type TestCase } from './test-case.js';

const VERBOSE =
  /^(\S+\.py::\S.*?) (PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR)(?: \((.*)\))?(?:\s+\[\s*\d+%\])?$/;
const SHORT = /^(PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR) (.+)$/;
const SECTION = /^_{3,} (.+?) _{3,}$/;
const BANNER = /^={3,} ?(.*?) ?={3,}$/;
const PLACE = /^(\S+:\d+): \S+/;

const STATUS: Readonly<Record<string, TestCase['status']>> = {
  PASSED: 'passed',
  FAILED: 'failed',
  SKIPPED: 'skipped',
  XFAIL: 'skipped',
  XPASS: 'passed',
  ERROR: 'error',
};

interface Section {
  readonly details: string;
  readonly message: string | null;
  readonly location: string | null;
}

// `= FAILURES =` and `= ERRORS =` sections, by title.
function sections(lines: readonly string[]): Map<string, Section> {
  const found = new Map<string, Section>();
  let inside = false;
  for (let i = 0; i < lines.length; i++) {
    const banner = BANNER.exec(lines[i] ?? '');
    if (banner) {
      inside = banner[1] === 'FAILURES' || banner[1] === 'ERRORS';
      continue;
    }
    const head = inside ? SECTION.exec(lines[i] ?? '') : null;
    if (!head?.[1]) continue;
    let end = i + 1;
    while (end < lines.length && !SECTION.test(lines[end] ?? '') && !BANNER.test(lines[end] ?? '')) end++;
    const body = lines.slice(i + 1, end);
    const said = body.filter((l) => /^E {3}/.test(l)).map((l) => l.slice(1).trim());
    const location =
      body
        .map((l) => PLACE.exec(l)?.[1])
        .filter((l) => l !== undefined)
        .pop() ?? null;
    found.set(head[1].replace(/^ERROR at (setup|teardown) of /, ''), {
      details: blockText(body),
      message: said.length > 0 ? said.slice(0, 3).join(' ') : null,
      location,
    });
    i = end - 1;
  }
  return found;
}

// test_dir/test_a.py::TestX::test_y[2] → classname test_dir.test_a.TestX, name test_y[2], and
// the title pytest gives its section: TestX.test_y[2].
function split(nodeid: string): { classname: string; name: string; title: string } {
  const [file = '', ...parts] = nodeid.split('::');
  const name = parts.pop() ?? nodeid;
  const module = file.replace(/\.py$/, '').replace(/\//g, '.');
  return { classname: [module, ...parts].join('.'), name, title: [...parts, name].join('.') };
}

export function parsePytest(lines: readonly string[]): TestCase[] {
  const found = sections(lines);
  const verbose = lines.map((l) => VERBOSE.exec(l)).filter((m) => m !== null);
  const cases: TestCase[] = [];
  const add = (nodeid: string, word: string, reason: string | null): void => {
    const { classname, name, title } = split(nodeid);
    const status = STATUS[word] ?? 'failed';
    const section = status === 'failed' || status === 'error' ? found.get(title) : undefined;
    cases.push(
      testCase({
        name,
        classname,
        status,
        message: section?.message ?? reason,
        details: section?.details ?? null,
        location: section?.location ?? null,
      }),
    );
  };
  if (verbose.length > 0) {
    for (const m of verbose) add(m[1] ?? '', m[2] ?? '', m[3] ?? null);
    return cases;
  }
  const start = lines.findIndex((l) => BANNER.exec(l)?.[1] === 'short test summary info');
  if (start === -1) return [];
  for (const line of lines.slice(start + 1)) {
    const m = SHORT.exec(line);
    if (!m?.[2]) {
      if (BANNER.test(line)) break;
      continue;
    }
    const word = m[1] ?? '';
    const skip = /^\[(\d+)\] (\S+:\d+): (.*)$/.exec(m[2]);
    if (skip) {
      for (let n = 0; n < Number(skip[1]); n++)
        cases.push(
          testCase({ name: skip[2] ?? '', classname: null, status: 'skipped', message: skip[3] ?? null }),
        );
      continue;
    }
    const [nodeid = '', reason = null] = m[2].split(/ - (.*)$/);
    add(nodeid, word, reason);
  }
  return cases;
}
