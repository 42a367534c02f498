// The run report's arithmetic and its JUnit view: the exit code of `tmuxorch run` and what CI shows
// hang on these, so every status is checked to land in exactly one count.
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/domain/run/run-job.js';
import {
  countJobs,
  describeTests,
  junitSuiteOf,
  runSucceeded,
  type JobReport,
  type RunReport,
} from '../../src/domain/run/run-report.js';

const jobReport = (name: string, status: JobStatus, over: Partial<JobReport> = {}): JobReport => ({
  name,
  project: `/src/${name}`,
  command: 'npm test',
  type: 'shell',
  status,
  exitCode: status === 'succeeded' ? 0 : status === 'skipped' ? null : 1,
  durationMs: status === 'skipped' ? null : 1500,
  attempts: status === 'skipped' ? 0 : 1,
  tests: null,
  outputFile: status === 'skipped' ? null : `/runs/r/jobs/${name}.log`,
  reason: null,
  agent: null,
  worker: status === 'skipped' ? null : name,
  taskIds: [],
  ...over,
});

const runReport = (jobs: JobReport[], over: Partial<RunReport> = {}): RunReport => ({
  runId: '20250102-030405-abcd',
  runDir: '/runs/20250102-030405-abcd',
  startedAt: '2025-01-02T03:04:05.678Z',
  finishedAt: '2025-01-02T03:04:09.000Z',
  durationMs: 3322,
  interrupted: false,
  jobs,
  ...countJobs(jobs),
  ...over,
});

const ALL_STATUSES: readonly JobStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'lost',
  'skipped',
];

describe('countJobs', () => {
  it('counts nothing in an empty run', () => {
    expect(countJobs([])).toEqual({ passed: 0, failed: 0, skipped: 0 });
  });

  it('puts every status in exactly one count: failed is every job that ran and did not succeed', () => {
    const jobs = ALL_STATUSES.map((s, i) => jobReport(`j${i}`, s));
    expect(countJobs(jobs)).toEqual({ passed: 1, failed: 4, skipped: 1 });
  });

  it('adds up to the number of jobs, whatever the mix', () => {
    const jobs = Array.from({ length: 37 }, (_, i) =>
      jobReport(`j${i}`, ALL_STATUSES[(i * 7) % 6] as JobStatus),
    );
    const counts = countJobs(jobs);
    expect(counts.passed + counts.failed + counts.skipped).toBe(37);
    expect(counts.passed).toBe(jobs.filter((j) => j.status === 'succeeded').length);
    expect(counts.skipped).toBe(jobs.filter((j) => j.status === 'skipped').length);
  });
});

describe('runSucceeded', () => {
  it('is true only when every job succeeded', () => {
    expect(runSucceeded(runReport([jobReport('a', 'succeeded'), jobReport('b', 'succeeded')]))).toBe(true);
    for (const status of ALL_STATUSES.filter((s) => s !== 'succeeded')) {
      expect(runSucceeded(runReport([jobReport('a', 'succeeded'), jobReport('b', status)])), status).toBe(
        false,
      );
    }
  });

  it('is false for a run with no jobs', () => {
    expect(runSucceeded(runReport([]))).toBe(false);
  });
});

describe('describeTests', () => {
  it('is empty when the output had no summary', () => {
    expect(describeTests(null)).toBe('');
  });

  it('always says passed, and failed or skipped only when there are some', () => {
    expect(describeTests({ runner: 'vitest', passed: 12, failed: 0, skipped: 0 })).toBe('12 passed');
    expect(describeTests({ runner: 'jest', passed: 0, failed: 0, skipped: 0 })).toBe('0 passed');
    expect(describeTests({ runner: 'pytest', passed: 12, failed: 1, skipped: 2 })).toBe(
      '12 passed, 1 failed, 2 skipped',
    );
    expect(describeTests({ runner: 'go', passed: 3, failed: 0, skipped: 4 })).toBe('3 passed, 4 skipped');
    expect(describeTests({ runner: 'cargo', passed: 3, failed: 2, skipped: 0 })).toBe('3 passed, 2 failed');
  });
});

describe('junitSuiteOf', () => {
  const jobs = [
    jobReport('api', 'succeeded', { durationMs: 1234 }),
    jobReport('web', 'timed_out', { exitCode: 124, reason: 'timed out after 5s' }),
    jobReport('db', 'skipped', { reason: 'not started: interrupted' }),
  ];
  const outputs = new Map([
    ['api', 'ok\n'],
    ['web', 'partial\n'],
  ]);
  const suite = junitSuiteOf(runReport(jobs), outputs);

  it('names the suite after the run and gives its start without fractions of a second', () => {
    expect(suite.name).toBe('tmuxorch run 20250102-030405-abcd');
    expect(suite.timestamp).toBe('2025-01-02T03:04:05');
  });

  it("times the run by its wall clock, not the jobs' sum", () => {
    expect(suite.durationMs).toBe(runReport(jobs).durationMs);
  });

  it("takes a job's tests from its report files first, else from its runner's lines", () => {
    const report = '<testsuite name="s"><testcase name="from report" classname="c"/></testsuite>';
    const withTests = junitSuiteOf(
      runReport(jobs),
      new Map([['api', '✔ from output (1ms)\nℹ tests 1\nℹ pass 1\nℹ fail 0\n']]),
      new Map([['web', [{ path: 'junit/a.xml', text: report }]]]),
    );
    expect(withTests.jobs[0]?.cases?.map((c) => [c.name, c.status])).toEqual([['from output', 'passed']]);
    expect(withTests.jobs[1]?.cases?.map((c) => [c.name, c.classname])).toEqual([['from report', 'c']]);
    expect(withTests.jobs[2]?.cases).toBeNull();
  });

  it('has one testcase per job, in order, classed by project', () => {
    expect(suite.jobs).toEqual([
      {
        name: 'api',
        classname: '/src/api',
        status: 'succeeded',
        durationMs: 1234,
        output: 'ok\n',
        reason: null,
        exitCode: 0,
        cases: null,
      },
      {
        name: 'web',
        classname: '/src/web',
        status: 'timed_out',
        durationMs: 1500,
        output: 'partial\n',
        reason: 'timed out after 5s',
        exitCode: 124,
        cases: null,
      },
      {
        name: 'db',
        classname: '/src/db',
        status: 'skipped',
        durationMs: null,
        // No output saved for a job that never ran.
        output: '',
        reason: 'not started: interrupted',
        exitCode: null,
        cases: null,
      },
    ]);
  });
});
