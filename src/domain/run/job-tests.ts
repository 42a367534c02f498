// The tests of one job, for its JUnit <testsuite>, from the best source there is:
//   1. the JUnit XML files the job wrote (`reports:`), merged as GitLab and Jenkins merge them;
//   2. the per-test lines its test runner printed (the runner whose summary test-counts read);
//   3. none: the job stays one testcase with its output, as a job whose tests cannot be told
//      apart (a build, a lint, a runner not known here).
// A runner that prints some tests only (vitest's default reporter folds a file whose tests all
// passed into one line) leaves the rest to one testcase that says how many were not listed, so
// the suite's counts add up to what the runner's summary said and --json says.
import { cleanLine } from '../terminal-text.js';
import { readJunitReport } from './test-reports/junit-report.js';
import { testCasesFromLines } from './test-reports/registry.js';
import { testCase, type TestCase } from './test-reports/test-case.js';
import { parseTestCounts, type TestCounts } from './test-counts.js';

export interface ReportFile {
  // As found, relative to the job's project.
  readonly path: string;
  readonly text: string;
}

export interface JobTests {
  readonly source: 'reports' | TestCounts['runner'];
  readonly cases: readonly TestCase[];
}

function fromReports(reports: readonly ReportFile[]): JobTests | null {
  const cases: TestCase[] = [];
  let read = 0;
  for (const report of reports) {
    const result = readJunitReport(report.text);
    if (result.ok) {
      read += 1;
      cases.push(...result.cases);
    } else {
      // A report that cannot be read is said in the report, not dropped without a word.
      cases.push(
        testCase({
          name: report.path,
          classname: 'reports',
          status: 'error',
          message: `${report.path} is not a JUnit XML report (${result.error})`,
        }),
      );
    }
  }
  return read === 0 && cases.length === 0 ? null : { source: 'reports', cases };
}

// Tests the summary counted that no line listed, as one testcase per verdict.
function unlisted(counts: TestCounts, cases: readonly TestCase[]): TestCase[] {
  const listed = (status: TestCase['status']) => cases.filter((c) => c.status === status).length;
  const failed = listed('failed') + listed('error');
  const extra: TestCase[] = [];
  const say = (n: number, what: string, status: TestCase['status']): void => {
    if (n > 0)
      extra.push(
        testCase({
          name: `${n} ${what} test${n === 1 ? '' : 's'} not listed by ${counts.runner}`,
          classname: counts.runner,
          status,
          message:
            status === 'passed'
              ? null
              : `${n} ${what} by the summary of ${counts.runner}, not named in its output`,
        }),
      );
  };
  say(counts.passed - listed('passed'), 'passed', 'passed');
  say(counts.failed - failed, 'failed', 'failed');
  say(counts.skipped - listed('skipped'), 'skipped', 'skipped');
  return extra;
}

export function jobTests(output: string, reports: readonly ReportFile[] = []): JobTests | null {
  const reported = fromReports(reports);
  if (reported) return reported;
  const lines = output.split('\n').map(cleanLine);
  const counts = parseTestCounts(output);
  if (!counts) return null;
  const cases = testCasesFromLines(counts.runner, lines);
  if (cases.length === 0) return null;
  return { source: counts.runner, cases: [...cases, ...unlisted(counts, cases)] };
}
