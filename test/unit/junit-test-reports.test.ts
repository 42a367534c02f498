// Per-test JUnit: each runner's parser fed the real output of a real run (test/fixtures/junit,
// see its README), checked against that runner's own report of the same run (its JUnit XML, or
// go's -json), and the XML tmuxorch writes read back with a real XML parser (fast-xml-parser) to
// the same tests. The counts must also agree with the runner's summary, which --json reports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { jobTests } from '../../src/domain/run/job-tests.js';
import { junitXml } from '../../src/domain/run/junit.js';
import { parseTestCounts } from '../../src/domain/run/test-counts.js';
import { readJunitReport } from '../../src/domain/run/test-reports/junit-report.js';
import { OUTPUT_PARSERS } from '../../src/domain/run/test-reports/registry.js';
import type { TestCase } from '../../src/domain/run/test-reports/test-case.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/junit');
const read = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

function casesOf(fixture: string): readonly TestCase[] {
  const tests = jobTests(read(fixture));
  if (!tests) throw new Error(`${fixture}: no tests found`);
  return tests.cases;
}

function ownReport(file: string): TestCase[] {
  const result = readJunitReport(read(file));
  if (!result.ok) throw new Error(`${file}: ${result.error}`);
  return result.cases;
}

type Key = (c: TestCase) => string;
const tally = (cases: readonly TestCase[]) => ({
  passed: cases.filter((c) => c.status === 'passed').length,
  failed: cases.filter((c) => c.status === 'failed' || c.status === 'error').length,
  skipped: cases.filter((c) => c.status === 'skipped').length,
});
const sorted = (cases: readonly TestCase[], key: Key): string[] =>
  cases.map((c) => `${key(c)} → ${c.status}`).sort();

// The XML tmuxorch writes for one job with these tests, parsed back by a real XML parser.
function writtenAndReadBack(name: string, cases: readonly TestCase[], output: string): TestCase[] {
  const xml = junitXml({
    name: 'tmuxorch run x',
    timestamp: '2026-12-07T16:26:10',
    durationMs: 2000,
    jobs: [
      { name, classname: '/p', status: 'failed', durationMs: 1500, output, reason: null, exitCode: 1, cases },
    ],
  });
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
    testsuites: {
      testsuite: { name: string; tests: string; failures: string; errors: string; skipped: string };
    };
  };
  const suite = doc.testsuites.testsuite;
  const back = readJunitReport(xml);
  if (!back.ok) throw new Error(back.error);
  const t = tally(back.cases);
  expect(suite.name).toBe(name);
  expect(Number(suite.tests)).toBe(back.cases.length);
  expect(Number(suite.failures) + Number(suite.errors)).toBe(t.failed);
  expect(Number(suite.skipped)).toBe(t.skipped);
  return back.cases;
}

// Fixture, the runner's own report, and how each names a test the same way.
const AGAINST_OWN_REPORT: {
  fixture: string;
  report: string;
  ours: Key;
  theirs: Key;
  // Tests where the runner's report and its own summary disagree: name → what the summary says.
  known?: Record<string, TestCase['status']>;
}[] = [
  {
    fixture: 'vitest-verbose.txt',
    report: 'vitest-junit.xml',
    ours: (c) => `${c.classname} > ${c.name}`,
    theirs: (c) => `${c.classname} > ${c.name}`,
  },
  {
    fixture: 'jest-verbose.txt',
    report: 'jest-junit.xml',
    ours: (c) => c.name.replace(/ › /g, ' '),
    theirs: (c) => c.name.trim(),
    // jest-junit files a test.todo as passed; jest's summary counts it as todo.
    known: { pads: 'skipped' },
  },
  {
    fixture: 'mocha-spec.txt',
    report: 'mocha-xunit.xml',
    ours: (c) => `${c.classname} ${c.name}`,
    theirs: (c) => `${c.classname} ${c.name}`,
  },
  { fixture: 'node-test-spec.txt', report: 'node-junit.xml', ours: (c) => c.name, theirs: (c) => c.name },
  { fixture: 'node-test-tap.txt', report: 'node-junit.xml', ours: (c) => c.name, theirs: (c) => c.name },
  {
    fixture: 'pytest-v.txt',
    report: 'pytest-junit.xml',
    ours: (c) => `${c.classname}::${c.name}`,
    theirs: (c) => `${c.classname}::${c.name}`,
  },
];

describe("each runner's per-test lines agree with its own report of the same run", () => {
  for (const { fixture, report, ours, theirs, known = {} } of AGAINST_OWN_REPORT) {
    it(`${fixture} ↔ ${report}`, () => {
      const cases = casesOf(fixture);
      const own = ownReport(report).map((c) => {
        const fixed = known[theirs(c)];
        return fixed === undefined ? c : { ...c, status: fixed };
      });
      expect(sorted(cases, ours)).toEqual(sorted(own, theirs));
      // And so does what tmuxorch writes, read back by a real XML parser.
      expect(sorted(writtenAndReadBack('job', cases, read(fixture)), ours)).toEqual(sorted(own, theirs));
    });
  }

  it('go-verbose.txt ↔ go test -json (leaf tests; a package that did not build is one failure)', () => {
    const events = read('go-test-json.txt')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { Action: string; Package: string; Test?: string });
    const ended = events.filter((e) => e.Test && ['pass', 'fail', 'skip'].includes(e.Action));
    const names = ended.map((e) => e.Test ?? '');
    const status = { pass: 'passed', fail: 'failed', skip: 'skipped' } as const;
    const own = ended
      .filter((e) => !names.some((n) => n.startsWith(`${e.Test}/`)))
      .map((e) => `${e.Package}.${e.Test} → ${status[e.Action as keyof typeof status]}`);
    // -json writes the build failure as plain text, not as an event.
    expect(read('go-test-json.txt')).toContain('FAIL\texample.com/calc/broken [build failed]');
    own.push('example.com/calc/broken.example.com/calc/broken → failed');
    const cases = casesOf('go-verbose.txt');
    expect(sorted(cases, (c) => `${c.classname}.${c.name}`)).toEqual(own.sort());
  });
});

describe('the tests listed add up to the runner summary that --json reports', () => {
  const fixtures = [
    'vitest-default.txt',
    'vitest-verbose.txt',
    'node-test-spec.txt',
    'node-test-tap.txt',
    'jest-default.txt',
    'jest-verbose.txt',
    'mocha-spec.txt',
    'pytest-ra.txt',
    'pytest-v.txt',
    'cargo.txt',
    'go-verbose.txt',
  ];
  for (const fixture of fixtures) {
    it(fixture, () => {
      const counts = parseTestCounts(read(fixture));
      expect(counts).not.toBeNull();
      const { runner, ...summary } = counts ?? { runner: 'vitest' };
      expect(jobTests(read(fixture))?.source).toBe(runner);
      // A testcase that stands for tests the runner did not name counts as many as it says.
      const weight = (c: TestCase) => Number(/^(\d+) \w+ tests? not listed by /.exec(c.name)?.[1] ?? 1);
      const cases = casesOf(fixture);
      const sum = (pick: (c: TestCase) => boolean) => cases.filter(pick).reduce((n, c) => n + weight(c), 0);
      expect({
        passed: sum((c) => c.status === 'passed'),
        failed: sum((c) => c.status === 'failed' || c.status === 'error'),
        skipped: sum((c) => c.status === 'skipped'),
      }).toEqual(summary);
    });
  }
});

// What a CI page shows for the failing test: its own message and where it failed.
describe('each failure has its own message and location', () => {
  const failure = (fixture: string, name: string): TestCase => {
    const found = casesOf(fixture).find((c) => c.name === name);
    expect(found?.status, `${fixture}: ${name}`).toBe('failed');
    return found as TestCase;
  };

  it('vitest', () => {
    for (const fixture of ['vitest-verbose.txt', 'vitest-default.txt']) {
      const c = failure(fixture, 'calc > adds wrong');
      expect(c).toMatchObject({
        classname: 'calc.test.js',
        message: 'AssertionError: expected 2 to be 3 // Object.is equality',
        location: 'calc.test.js:4:42',
      });
      expect(c.details).toContain('- 3\n+ 2');
    }
  });

  it('jest, with and without --verbose, through its RUNS redraws', () => {
    for (const fixture of ['jest-verbose.txt', 'jest-default.txt']) {
      const c = failure(fixture, 'calc › adds wrong');
      expect(c.message).toBe(
        'expect(received).toBe(expected) // Object.is equality (Expected: 3, Received: 2)',
      );
      expect(c).toMatchObject({ classname: 'calc.test.js', location: 'calc.test.js:3:42' });
      expect(c.details).not.toContain('RUNS');
    }
  });

  it('mocha', () => {
    const c = failure('mocha-spec.txt', 'adds wrong');
    expect(c).toMatchObject({
      classname: 'calc',
      message: 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: 2 !== 3',
      location: 'test/calc.test.js:4:35',
    });
  });

  it('node:test, spec and tap', () => {
    const spec = failure('node-test-spec.txt', 'adds wrong');
    expect(spec).toMatchObject({ classname: 'calc', location: 'calc.test.js:5:3' });
    expect(spec.message).toContain('2 !== 3');
    const tap = failure('node-test-tap.txt', 'adds wrong');
    expect(tap.message).toBe('Expected values to be strictly equal: 2 !== 3');
    expect(tap.location).toBe('/tmp/jr/nodetest/calc.test.js:5:3');
    const skipped = casesOf('node-test-spec.txt').find((c) => c.name === 'divides');
    expect(skipped).toMatchObject({ status: 'skipped', message: 'not yet' });
  });

  it('pytest -v and -rA', () => {
    for (const fixture of ['pytest-v.txt', 'pytest-ra.txt']) {
      expect(failure(fixture, 'test_adds_wrong')).toMatchObject({
        classname: 'test_calc',
        message: 'assert (1 + 1) == 3',
        location: 'test_calc.py:7',
      });
      expect(failure(fixture, 'test_param[2]')).toMatchObject({
        classname: 'test_calc.TestUtil',
        message: 'assert 2 < 2',
        location: 'test_calc.py:19',
      });
    }
    // -rA lists a skip by place and reason only.
    expect(casesOf('pytest-ra.txt').filter((c) => c.status === 'skipped')).toMatchObject([
      { name: 'test_calc.py:9', message: 'not yet' },
    ]);
  });

  it('go test -v', () => {
    expect(failure('go-verbose.txt', 'TestAddWrong')).toMatchObject({
      message: 'Add(1, 1) = 2, want 3',
      location: 'calc_test.go:13',
    });
    expect(failure('go-verbose.txt', 'TestTable/negative').location).toBe('calc_test.go:21');
    expect(failure('go-verbose.txt', 'example.com/calc/broken')).toMatchObject({
      message: 'build failed: undefined: missing',
      location: 'broken/broken.go:3',
    });
    expect(casesOf('go-verbose.txt').find((c) => c.name === 'TestDivides')).toMatchObject({
      status: 'skipped',
      message: 'not yet',
    });
  });

  it('cargo test', () => {
    const c = failure('cargo.txt', 'adds_wrong');
    expect(c).toMatchObject({ classname: 'tests', location: 'src/lib.rs:9:23' });
    expect(c.message).toContain('one and one');
    expect(c.message).toContain('right: 3');
  });
});

describe("vitest's default reporter folds a file whose tests all passed", () => {
  it('lists what it printed and says how many it did not', () => {
    const cases = casesOf('vitest-default.txt');
    expect(cases.map((c) => [c.name, c.status])).toEqual([
      ['adds', 'passed'],
      ['calc > adds wrong', 'failed'],
      ['divides', 'skipped'],
      ['1 passed test not listed by vitest', 'passed'],
      ['1 skipped test not listed by vitest', 'skipped'],
    ]);
  });
});

describe('the registry', () => {
  it('has a parser for every runner test-counts knows', () => {
    expect(Object.keys(OUTPUT_PARSERS).sort()).toEqual(
      ['cargo', 'go', 'jest', 'mocha', 'node:test', 'pytest', 'vitest'].sort(),
    );
  });

  it('leaves a job whose tests cannot be told apart to one testcase', () => {
    expect(jobTests('building…\nok\n')).toBeNull();
    // A summary with no per-test lines (mocha's dot reporter) tells no test apart either.
    expect(jobTests('  ․․․\n\n  3 passing (4ms)\n')).toBeNull();
  });
});

describe('reports a job writes itself', () => {
  it("reads each runner's own JUnit file, merged in order", () => {
    const tests = jobTests('no runner summary here\n', [
      { path: 'junit/vitest.xml', text: read('vitest-junit.xml') },
      { path: 'junit/pytest.xml', text: read('pytest-junit.xml') },
    ]);
    expect(tests?.source).toBe('reports');
    expect(tests?.cases).toHaveLength(5 + 6);
    expect(tests?.cases[1]).toMatchObject({
      name: 'calc > adds wrong',
      classname: 'calc.test.js',
      status: 'failed',
      message: 'expected 2 to be 3 // Object.is equality',
    });
    expect(tests?.cases.find((c) => c.name === 'test_divides')).toMatchObject({
      status: 'skipped',
      message: 'not yet',
    });
  });

  it('wins over the output, and a file that is not JUnit XML is an error that names it', () => {
    const tests = jobTests(read('vitest-verbose.txt'), [
      { path: 'junit/a.xml', text: read('mocha-xunit.xml') },
      { path: 'junit/b.xml', text: '<testsuite><testcase name="x">' },
      { path: 'junit/c.xml', text: '<html/>' },
    ]);
    expect(tests?.source).toBe('reports');
    expect(tests?.cases.map((c) => [c.name, c.status])).toEqual([
      ['adds', 'passed'],
      ['adds wrong', 'failed'],
      ['divides', 'skipped'],
      ['trims', 'passed'],
      ['pads', 'skipped'],
      ['junit/b.xml', 'error'],
      ['junit/c.xml', 'error'],
    ]);
    expect(tests?.cases[5]?.message).toMatch(/^junit\/b\.xml is not a JUnit XML report/);
  });

  it('reads nested suites, errors, file and line attributes, and entities', () => {
    const result = readJunitReport(
      [
        '<?xml version="1.0"?>',
        '<testsuites><testsuite name="outer"><testsuite name="inner">',
        '<testcase name="a &amp; b" classname="x" time="1,234.5" file="src/a.ts" line="7">',
        '<error message="boom" type="Error">stack &lt;here&gt;</error></testcase>',
        '<testcase name="1e3"/>',
        '</testsuite></testsuite></testsuites>',
      ].join(''),
    );
    expect(result).toEqual({
      ok: true,
      cases: [
        {
          name: 'a & b',
          classname: 'x',
          status: 'error',
          durationMs: 1234500,
          message: 'boom',
          details: 'stack <here>',
          location: 'src/a.ts:7',
        },
        {
          name: '1e3',
          classname: 'inner',
          status: 'passed',
          durationMs: null,
          message: null,
          details: null,
          location: null,
        },
      ],
    });
  });
});

describe('the XML of a job with tests', () => {
  const cases = casesOf('jest-verbose.txt');
  const xml = junitXml({
    name: 'tmuxorch run r',
    timestamp: '2026-12-07T16:26:10',
    durationMs: 1800,
    jobs: [
      {
        name: 'jest',
        classname: '/p/jest',
        status: 'failed',
        durationMs: 1700,
        output: read('jest-verbose.txt'),
        reason: null,
        exitCode: 1,
        cases,
      },
      {
        name: 'late',
        classname: '/p/late',
        status: 'timed_out',
        durationMs: 5000,
        output: '',
        reason: 'timed out after 5s',
        exitCode: 124,
        cases: cases.filter((c) => c.status === 'passed'),
      },
    ],
  });

  it('has a testcase per test with the failure, the location and the skips, and the output on the suite', () => {
    expect(xml).toContain(
      '<testsuite name="jest" tests="5" failures="1" errors="0" skipped="2" time="1.700" timestamp="2026-12-07T16:26:10">',
    );
    expect(xml).toContain(
      '<testcase name="calc › adds wrong" classname="calc.test.js" time="0.002" file="calc.test.js">',
    );
    expect(xml).toContain(
      '<failure message="expect(received).toBe(expected) // Object.is equality (Expected: 3, Received: 2)" type="failure">at calc.test.js:3:42\n',
    );
    expect(xml).toMatch(
      /<testcase name="calc › divides" classname="calc.test.js">\s*<skipped message="skipped"\/>/,
    );
    expect(xml).toMatch(/<\/testcase>\n {4}<system-out>Determining test suites/);
  });

  it('keeps a job that did not succeed red when none of its listed tests failed', () => {
    expect(xml).toContain(
      '<testsuite name="late" tests="3" failures="0" errors="1" skipped="0" time="5.000"',
    );
    expect(xml).toContain('<testcase name="late" classname="/p/late" time="5.000">');
    expect(xml).toContain('<error message="timed out after 5s" type="timed_out">');
    expect(xml.match(/<system-out>/g)).toHaveLength(1);
  });

  it('sums the suites on the root, timed by the wall clock', () => {
    expect(xml).toContain(
      '<testsuites name="tmuxorch run r" tests="8" failures="1" errors="1" skipped="2" time="1.800"',
    );
  });
});
