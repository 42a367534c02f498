// Follows what running jobs started to their end: a task by waiting for it, a run by the
// engine's `changed` events (and its status at once, for a run that ended before its id was
// recorded or while the daemon was down). Each end is handed to the queue, which records it.
import type { Job, JobTarget } from '../../domain/queue/job.js';
import { isRunDone, type RunRecord } from '../../domain/workflow/workflow-run.js';
import type { TargetDeps } from './job-targets.js';

export type JobEnd = (
  jobId: string,
  target: NonNullable<JobTarget>,
  to: 'done' | 'failed',
  reason: string | null,
  attempts?: number,
) => void;

export class JobWatch {
  // The job of each followed run (a run names its job by its tag too: `run.job`).
  private readonly runJobs = new Map<string, string>();
  private readonly onRunChanged = (run: RunRecord): void => this.runChanged(run);

  constructor(
    private readonly deps: TargetDeps,
    private readonly end: JobEnd,
    private readonly stopped: () => boolean,
  ) {}

  start(): void {
    this.deps.workflows.on('changed', this.onRunChanged);
  }

  stop(): void {
    this.deps.workflows.off('changed', this.onRunChanged);
  }

  forget(runId: string): void {
    this.runJobs.delete(runId);
  }

  follow(job: Job): void {
    const { target } = job;
    if (!target || job.status !== 'running') return;
    if ('runId' in target) {
      this.runJobs.set(target.runId, job.id);
      void this.deps.workflows
        .status(target.runId)
        .then((run) => this.runChanged(run))
        .catch(() => this.end(job.id, target, 'failed', `its run ${target.runId} is gone`));
      return;
    }
    const attempts = job.attempts;
    void this.deps.fleet
      .wait(target.taskId)
      .then((result) => {
        const ok = result.status === 'succeeded';
        const reason = ok
          ? null
          : `task ${result.status}${result.exitCode === null ? '' : ` (exit ${result.exitCode})`}`;
        this.end(job.id, target, ok ? 'done' : 'failed', reason, attempts);
      })
      .catch((error: unknown) => {
        if (this.stopped()) return;
        this.end(job.id, target, 'failed', `its task: ${String(error)}`, attempts);
      });
  }

  private runChanged(run: RunRecord): void {
    if (!isRunDone(run.status)) return;
    const jobId = this.runJobs.get(run.id) ?? run.job?.split(':')[0];
    if (jobId === undefined) return;
    const ok = run.status === 'succeeded';
    this.end(
      jobId,
      { runId: run.id },
      ok ? 'done' : 'failed',
      ok ? null : `run ${run.status}${run.reason ? `: ${run.reason}` : ''}`,
    );
  }
}
