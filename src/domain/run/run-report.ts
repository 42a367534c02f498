// The report of a run: what `tmuxorch run --json` prints and `report.json` keeps. A contract for
// scripts and CI: add fields, never rename or remove one.
import type { AgentResult } from '../agents/agent-output.js';
import { jobTests, type ReportFile } from './job-tests.js';
import type { JunitSuite } from './junit.js';
import type { JobStatus } from './run-job.js';
import type { TestCounts } from './test-counts.js';

export interface JobReport {
  readonly name: string;
  readonly project: string;
  readonly command: string;
  readonly type: string;
  readonly status: JobStatus;
  // The last attempt's exit code (124 for a timeout, as timeout(1)); null when none was seen.
  readonly exitCode: number | null;
  // Time spent running, summed over the attempts; null for a job that never ran.
  readonly durationMs: number | null;
  readonly attempts: number;
  // What the project's test runner said in its summary, when the output has one.
  readonly tests: TestCounts | null;
  // The last attempt's full output (earlier attempts sit beside it as <name>.attempt-N.log).
  readonly outputFile: string | null;
  readonly reason: string | null;
  // An agent job: what the agent answered in its last attempt (text, session, cost).
  readonly agent: AgentResult | null;
  readonly worker: string | null;
  readonly taskIds: readonly string[];
}

export interface RunReport {
  readonly runId: string;
  readonly runDir: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  // Stopped by Ctrl-C (or the API's abort signal) before every job had ended.
  readonly interrupted: boolean;
  readonly jobs: readonly JobReport[];
  // passed + failed + skipped = jobs.length; `failed` counts every job that ran and did not succeed.
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

export function countJobs(jobs: readonly JobReport[]): Pick<RunReport, 'passed' | 'failed' | 'skipped'> {
  const passed = jobs.filter((j) => j.status === 'succeeded').length;
  const skipped = jobs.filter((j) => j.status === 'skipped').length;
  return { passed, failed: jobs.length - passed - skipped, skipped };
}

// Exit code of `tmuxorch run`: 0 only when every job succeeded.
export function runSucceeded(report: RunReport): boolean {
  return report.jobs.length > 0 && report.passed === report.jobs.length;
}

// "12 passed, 1 failed, 2 skipped" from a runner's counts; '' when the output had no summary.
export function describeTests(tests: TestCounts | null): string {
  if (!tests) return '';
  const parts = [`${tests.passed} passed`];
  if (tests.failed > 0) parts.push(`${tests.failed} failed`);
  if (tests.skipped > 0) parts.push(`${tests.skipped} skipped`);
  return parts.join(', ');
}

// The JUnit view of a run: a suite per job, with a testcase per test where the job's report files
// or its runner's output tell its tests apart (else one for the job, classed by its project so CI
// groups by it), timed by the run's wall clock.
export function junitSuiteOf(
  report: RunReport,
  outputs: ReadonlyMap<string, string>,
  reports: ReadonlyMap<string, readonly ReportFile[]> = new Map(),
): JunitSuite {
  return {
    name: `tmuxorch run ${report.runId}`,
    timestamp: report.startedAt.replace(/\.\d+Z$/, ''),
    durationMs: report.durationMs,
    jobs: report.jobs.map((job) => {
      const output = outputs.get(job.name) ?? '';
      return {
        name: job.name,
        classname: job.project,
        status: job.status,
        durationMs: job.durationMs,
        output,
        reason: job.reason,
        exitCode: job.exitCode,
        cases: jobTests(output, reports.get(job.name) ?? [])?.cases ?? null,
      };
    }),
  };
}
