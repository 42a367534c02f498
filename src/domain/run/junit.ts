// A JUnit XML report of a run, the format CI systems (GitHub Actions reporters, GitLab, Jenkins)
// read to show which test failed: one <testsuite> per job (named after it, timed by it), inside
// <testsuites> timed by the run's wall clock (jobs run side by side: their sum would overstate it).
//
// Inside a job's suite, one <testcase> per test when the job's tests are known (job-tests.ts:
// its own report files, else its runner's per-test lines), each failure with its own message
// and location; the job's output then goes in the suite's <system-out>. A job that did not
// succeed without any failing test to show for it (a timeout, a build step that failed after the
// tests) gets one more testcase named after the job, so CI stays red. A job whose tests cannot
// be told apart is one testcase, as below.
//
// Status of a job → element, in the Jenkins/Ant reading of JUnit: <failure> is "the test ran and
// said no", <error> is "the test could not give an answer".
//   succeeded                         passed: no child but <system-out>
//   failed                            <failure>: the job ran and its command said no
//   timed_out, lost, unsubmitted,     <error>: no verdict came from the job's command
//   cancelled (after it started)
//   skipped, cancelled before start   <skipped>: the job never ran, so it says nothing about the
//   (cancelled with durationMs null)  code; an <error> would blame a project that was not tested,
//                                     and CI shows skipped cases as neither red nor green
//   anything else (queued, running)   <error>: a report written before a job ended (Ctrl-C) must
//                                     not let that job pass for passed
//
// Output is included twice, as JUnit readers expect: its tail in the <failure>/<error> body (the
// part a CI annotation shows) and its last 64 KiB in <system-out>. Colour codes are stripped
// first: ESC is not allowed in XML 1.0 and removing only it would leave `[31m` in the report.
import { stripAnsi } from '../terminal-text.js';
import type { TestCase } from './test-reports/test-case.js';
import { escapeXmlAttribute, escapeXmlText, tailUtf8 } from './xml-text.js';

export { escapeXmlAttribute, escapeXmlText, tailUtf8 } from './xml-text.js';

export interface JunitJob {
  readonly name: string;
  readonly classname: string;
  readonly status: string;
  readonly durationMs: number | null;
  readonly output: string;
  readonly reason: string | null;
  readonly exitCode: number | null;
  // The job's tests, when they are known (job-tests.ts); null or empty: one testcase for the job.
  readonly cases?: readonly TestCase[] | null | undefined;
}

export interface JunitSuite {
  readonly name: string;
  readonly timestamp: string;
  // The run's wall time; null: the sum of the jobs' times (a report of jobs that ran one by one).
  readonly durationMs?: number | null | undefined;
  readonly jobs: ReadonlyArray<JunitJob>;
}

// 64 KiB of UTF-8, as the brief asks: big enough for a test runner's failure report, small enough
// that a report of many projects stays readable by CI tools (some cap a file at a few MB).
export const SYSTEM_OUT_MAX_BYTES = 64 * 1024;
// The failure body is what a CI annotation shows inline: the last lines are where runners print
// their summary and the failing assertion.
export const FAILURE_TAIL_LINES = 50;
export const FAILURE_TAIL_MAX_BYTES = 8 * 1024;

type Outcome = 'passed' | 'failure' | 'error' | 'skipped';

function outcome(job: JunitJob): Outcome {
  switch (job.status) {
    case 'succeeded':
      return 'passed';
    case 'failed':
      return 'failure';
    case 'skipped':
      return 'skipped';
    case 'cancelled':
      return job.durationMs === null ? 'skipped' : 'error';
    default:
      return 'error'; // timed_out, lost, unsubmitted, and a status that is not final
  }
}

function lastLines(text: string, count: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.length <= count ? lines.join('\n') : lines.slice(-count).join('\n');
}

// Terminal output as plain text: no colour codes, LF line ends.
function plainOutput(output: string): string {
  return stripAnsi(output).replace(/\r\n/g, '\n');
}

function seconds(durationMs: number | null): string {
  return ((durationMs ?? 0) / 1000).toFixed(3);
}

// The message attribute: the reason tmuxorch recorded, else what the exit code or status says.
function message(job: JunitJob): string {
  if (job.reason !== null && job.reason !== '') return job.reason;
  if (job.status === 'failed' && job.exitCode !== null) return `exit code ${job.exitCode}`;
  if (job.status === 'cancelled' && job.durationMs === null) return 'cancelled before start';
  return job.exitCode === null ? job.status : `${job.status} (exit code ${job.exitCode})`;
}

// Testcases sit at this depth (in <testsuites><testsuite>), their children two spaces deeper.
const INDENT = '    ';

// The testcase of a job whose tests are not told apart: its verdict and its output (the output
// goes in its own <system-out> unless the suite has it already).
function jobTestcase(job: JunitJob, indent: string, systemOut = true): string {
  const kind = outcome(job);
  const output = plainOutput(job.output);
  const attrs =
    `name="${escapeXmlAttribute(job.name)}" classname="${escapeXmlAttribute(job.classname)}"` +
    ` time="${seconds(job.durationMs)}"`;
  const children: string[] = [];
  const msg = escapeXmlAttribute(message(job));
  if (kind === 'failure' || kind === 'error') {
    const tail = tailUtf8(lastLines(output, FAILURE_TAIL_LINES), FAILURE_TAIL_MAX_BYTES);
    const type = escapeXmlAttribute(job.status);
    children.push(`${indent}  <${kind} message="${msg}" type="${type}">${escapeXmlText(tail)}</${kind}>`);
  } else if (kind === 'skipped') {
    children.push(`${indent}  <skipped message="${msg}"/>`);
  }
  if (systemOut && output !== '') {
    children.push(
      `${indent}  <system-out>${escapeXmlText(tailUtf8(output, SYSTEM_OUT_MAX_BYTES))}</system-out>`,
    );
  }
  if (children.length === 0) return `${indent}<testcase ${attrs}/>`;
  return [`${indent}<testcase ${attrs}>`, ...children, `${indent}</testcase>`].join('\n');
}

const CASE_OUTCOME: Readonly<Record<TestCase['status'], Outcome>> = {
  passed: 'passed',
  failed: 'failure',
  error: 'error',
  skipped: 'skipped',
};

// One test of a job: a failure's body says where (when known), then what the runner printed.
function caseTestcase(job: JunitJob, test: TestCase): string {
  const kind = CASE_OUTCOME[test.status];
  const file = test.location?.replace(/:\d+(:\d+)?$/, '');
  const attrs = [
    `name="${escapeXmlAttribute(test.name)}"`,
    `classname="${escapeXmlAttribute(test.classname ?? job.name)}"`,
    ...(test.durationMs === null ? [] : [`time="${seconds(test.durationMs)}"`]),
    ...(file === undefined ? [] : [`file="${escapeXmlAttribute(file)}"`]),
  ].join(' ');
  if (kind === 'passed') return `${INDENT}<testcase ${attrs}/>`;
  const msg = escapeXmlAttribute(test.message ?? (kind === 'skipped' ? 'skipped' : test.status));
  if (kind === 'skipped')
    return `${INDENT}<testcase ${attrs}>\n${INDENT}  <skipped message="${msg}"/>\n${INDENT}</testcase>`;
  const body = [test.location === null ? null : `at ${test.location}`, test.details ?? test.message]
    .filter((part) => part !== null)
    .join('\n');
  const text = escapeXmlText(tailUtf8(plainOutput(body), FAILURE_TAIL_MAX_BYTES));
  return [
    `${INDENT}<testcase ${attrs}>`,
    `${INDENT}  <${kind} message="${msg}" type="${kind}">${text}</${kind}>`,
    `${INDENT}</testcase>`,
  ].join('\n');
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function countsOf(kinds: readonly Outcome[]): Counts {
  const count = (kind: Outcome) => kinds.filter((k) => k === kind).length;
  return {
    tests: kinds.length,
    failures: count('failure'),
    errors: count('error'),
    skipped: count('skipped'),
  };
}

function countAttrs(c: Counts): string {
  return `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}"`;
}

// A job's suite: its tests, or the job as one testcase; and the outcomes it counts.
function jobSuite(job: JunitJob, timestamp: string): { xml: string; kinds: Outcome[] } {
  const cases = job.cases ?? [];
  const lines: string[] = [];
  const kinds: Outcome[] = [];
  if (cases.length === 0) {
    lines.push(jobTestcase(job, INDENT));
    kinds.push(outcome(job));
  } else {
    for (const test of cases) {
      lines.push(caseTestcase(job, test));
      kinds.push(CASE_OUTCOME[test.status]);
    }
    // A job that did not succeed must not look green because each of its listed tests passed.
    const jobKind = outcome(job);
    if (jobKind !== 'passed' && !kinds.some((k) => k === 'failure' || k === 'error')) {
      lines.push(jobTestcase(job, INDENT, false));
      kinds.push(jobKind);
    }
    const output = plainOutput(job.output);
    if (output !== '')
      lines.push(`    <system-out>${escapeXmlText(tailUtf8(output, SYSTEM_OUT_MAX_BYTES))}</system-out>`);
  }
  const attrs = [
    `name="${escapeXmlAttribute(job.name)}"`,
    countAttrs(countsOf(kinds)),
    `time="${seconds(job.durationMs)}"`,
    `timestamp="${escapeXmlAttribute(timestamp)}"`,
  ].join(' ');
  return { xml: [`  <testsuite ${attrs}>`, ...lines, '  </testsuite>'].join('\n'), kinds };
}

export function junitXml(suite: JunitSuite): string {
  const suites = suite.jobs.map((job) => jobSuite(job, suite.timestamp));
  const totalMs = suite.durationMs ?? suite.jobs.reduce((sum, job) => sum + (job.durationMs ?? 0), 0);
  const attrs = [
    `name="${escapeXmlAttribute(suite.name)}"`,
    countAttrs(countsOf(suites.flatMap((s) => s.kinds))),
    `time="${seconds(totalMs)}"`,
    `timestamp="${escapeXmlAttribute(suite.timestamp)}"`,
  ].join(' ');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attrs}>`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}
