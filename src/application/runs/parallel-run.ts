// `tmuxorch run` as a use case: each job gets a worker of its own (a pane a human can watch),
// at most `concurrency` at once; a job that does not succeed runs again while its retries allow;
// --fail-fast and an abort (Ctrl-C) cancel what runs and skip what has not started. Every
// attempt's output is saved in the run directory as it ends, so an interrupted run keeps it too.
import type { RunJob, JobStatus } from '../../domain/run/run-job.js';
import { countJobs, type JobReport, type RunReport } from '../../domain/run/run-report.js';
import { parseTestCounts } from '../../domain/run/test-counts.js';
import type { RunDirectory } from '../../infrastructure/run/run-directory.js';
import { findReportFiles } from '../../infrastructure/run/report-files.js';
import type { FleetBackend } from '../fleet/fleet-backend.js';
import type { TaskResult, WorkerView } from '../contract/views.js';

export type RunEvent =
  | { readonly kind: 'run-started'; readonly jobs: readonly RunJob[]; readonly concurrency: number }
  | {
      readonly kind: 'job-started';
      readonly job: RunJob;
      readonly attempt: number;
      readonly worker: WorkerView;
      readonly taskId: string;
    }
  | {
      readonly kind: 'job-retrying';
      readonly job: RunJob;
      readonly attempt: number;
      readonly result: TaskResult;
    }
  | { readonly kind: 'job-finished'; readonly job: RunJob; readonly report: JobReport }
  | { readonly kind: 'run-stopping'; readonly reason: string };

export interface ParallelRunOptions {
  readonly runId: string;
  readonly directory: RunDirectory;
  readonly concurrency: number;
  readonly failFast?: boolean | undefined;
  // Leave each job's worker (and pane) in place after the run, to look at.
  readonly keepWorkers?: boolean | undefined;
  // Put before each job's name to name its worker (a daemon's fleet has other workers).
  readonly workerPrefix?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((event: RunEvent) => void) | undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class ParallelRun {
  private stopReason: string | null = null;
  private interrupted = false;
  // Tasks running now, to cancel on a stop.
  private readonly running = new Set<string>();
  // When each job's last attempt was sent: its report files must be newer.
  private readonly attemptStarted = new Map<string, number>();

  constructor(
    private readonly fleet: FleetBackend,
    private readonly options: ParallelRunOptions,
  ) {}

  async run(jobs: readonly RunJob[]): Promise<RunReport> {
    const started = new Date();
    const { signal } = this.options;
    const onAbort = (): void => {
      this.interrupted = true;
      this.stop('interrupted');
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const reports: JobReport[] = new Array<JobReport>(jobs.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < jobs.length) {
        const index = next++;
        const job = jobs[index] as RunJob;
        const report = await this.runJob(job);
        reports[index] = report;
        this.emit({ kind: 'job-finished', job, report });
      }
    };
    const lanes = Math.max(1, Math.min(this.options.concurrency, jobs.length));
    this.emit({ kind: 'run-started', jobs, concurrency: lanes });
    // A lane that throws (a bug, or the run directory gone) stops the others before the error is
    // passed on, so no job keeps running, and no worker stays, behind the caller's back.
    let failed: { error: unknown } | null = null;
    const guarded = async (): Promise<void> => {
      try {
        await lane();
      } catch (error) {
        failed ??= { error };
        this.stop(`internal error: ${message(error)}`);
      }
    };
    try {
      await Promise.all(Array.from({ length: lanes }, guarded));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (failed) throw (failed as { error: unknown }).error;
    const finished = new Date();
    return {
      runId: this.options.runId,
      runDir: this.options.directory.dir,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      interrupted: this.interrupted,
      jobs: reports,
      ...countJobs(reports),
    };
  }

  private emit(event: RunEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A broken progress display must not break the run.
    }
  }

  // Cancels what runs; jobs not started yet are skipped when their turn comes.
  private stop(reason: string): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.emit({ kind: 'run-stopping', reason });
    for (const id of this.running) void this.fleet.cancel(id).catch(() => undefined);
  }

  // Every report lists its fields in this order, which is the order --json prints them in.
  private report(job: RunJob, fields: Partial<JobReport> & Pick<JobReport, 'status' | 'reason'>): JobReport {
    return {
      name: job.name,
      project: job.project,
      command: job.command,
      type: job.type,
      status: fields.status,
      exitCode: fields.exitCode ?? null,
      durationMs: fields.durationMs ?? null,
      attempts: fields.attempts ?? 0,
      tests: fields.tests ?? null,
      outputFile: fields.outputFile ?? null,
      reason: fields.reason,
      agent: fields.agent ?? null,
      worker: fields.worker ?? null,
      taskIds: fields.taskIds ?? [],
    };
  }

  private skipped(job: RunJob): JobReport {
    return this.report(job, { status: 'skipped', reason: `not started: ${this.stopReason ?? 'stopped'}` });
  }

  private async runJob(job: RunJob): Promise<JobReport> {
    if (this.stopReason !== null) return this.skipped(job);
    let worker: WorkerView;
    try {
      worker = await this.fleet.addWorker({
        type: job.type,
        project: job.project,
        name: `${this.options.workerPrefix ?? ''}${job.name}`,
        env: job.env,
        interactive: job.interactive,
      });
    } catch (error) {
      const report = this.report(job, {
        status: 'failed',
        reason: `its worker could not start: ${message(error)}`,
      });
      if (this.options.failFast) this.stop(`--fail-fast: ${job.name} failed`);
      return report;
    }
    try {
      const report = await this.attempts(job, worker);
      await this.collectReports(job);
      if (report.status !== 'succeeded' && report.status !== 'skipped' && this.options.failFast) {
        this.stop(`--fail-fast: ${job.name} ${report.status.replace('_', ' ')}`);
      }
      return report;
    } finally {
      if (!this.options.keepWorkers) await this.fleet.removeWorker(worker.id).catch(() => undefined);
    }
  }

  private async attempts(job: RunJob, worker: WorkerView): Promise<JobReport> {
    const taskIds: string[] = [];
    let last: TaskResult | null = null;
    let durationMs = 0;
    let outputFile: string | null = null;
    let failure: string | null = null;
    let attempts = 0;
    for (let attempt = 1; attempt <= 1 + job.retries && this.stopReason === null; attempt++) {
      attempts = attempt;
      let result: TaskResult;
      this.attemptStarted.set(job.name, Date.now());
      try {
        const queued = await this.fleet.send({
          worker: worker.id,
          command: job.command,
          // Unset: the fleet's defaultTimeoutMs applies.
          timeoutMs: job.timeoutMs ?? undefined,
          retries: 0,
        });
        taskIds.push(queued.id);
        this.running.add(queued.id);
        // A stop that came while the task was being sent has not cancelled it yet.
        if (this.stopReason !== null) void this.fleet.cancel(queued.id).catch(() => undefined);
        this.emit({ kind: 'job-started', job, attempt, worker, taskId: queued.id });
        try {
          result = await this.fleet.wait(queued.id);
        } finally {
          this.running.delete(queued.id);
        }
      } catch (error) {
        // The attempt has no result (the daemon went away, the worker could not take it): its log
        // says so, and nothing of an earlier attempt is reported as this one's.
        failure = message(error);
        last = null;
        outputFile = await this.save(
          job,
          attempt,
          `tmuxorch: attempt ${attempt} could not run: ${failure}\n`,
        );
        break;
      }
      last = result;
      durationMs += result.durationMs ?? 0;
      outputFile = await this.save(job, attempt, result.output ?? '');
      if (result.status === 'succeeded') break;
      if (attempt <= job.retries && this.stopReason === null) {
        this.emit({ kind: 'job-retrying', job, attempt, result });
      }
    }
    const status: JobStatus =
      failure !== null ? 'lost' : ((last?.status as JobStatus | undefined) ?? 'skipped');
    if (status === 'skipped') return { ...this.skipped(job), worker: worker.name };
    const stopped = status === 'cancelled' && this.stopReason !== null;
    return this.report(job, {
      status,
      exitCode: last?.exitCode ?? null,
      durationMs: last || durationMs > 0 ? durationMs : null,
      attempts,
      tests: last?.output ? parseTestCounts(last.output) : null,
      outputFile,
      reason: failure ?? (stopped ? this.stopReason : (last?.reason ?? null)),
      agent: last?.agent ?? null,
      worker: worker.name,
      taskIds,
    });
  }

  // The JUnit files the job wrote, copied into the run directory for its report. A glob that
  // matches nothing, or a file that cannot be read, costs the job its testcases, not the run.
  private async collectReports(job: RunJob): Promise<void> {
    const since = this.attemptStarted.get(job.name);
    if (!job.reports?.length || since === undefined) return;
    try {
      const found = await findReportFiles(job.project, job.reports, since);
      if (found.length > 0) await this.options.directory.saveReports(job.name, found);
    } catch {
      // As for an output that cannot be saved.
    }
  }

  // An output that cannot be written (disk full) costs the job its log, not the run.
  private async save(job: RunJob, attempt: number, output: string): Promise<string | null> {
    try {
      return await this.options.directory.saveOutput(job.name, attempt, output);
    } catch {
      return null;
    }
  }
}

export function runParallel(
  fleet: FleetBackend,
  jobs: readonly RunJob[],
  options: ParallelRunOptions,
): Promise<RunReport> {
  return new ParallelRun(fleet, options).run(jobs);
}
