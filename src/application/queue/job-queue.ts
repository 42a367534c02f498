// The durable job queue, in the daemon: it admits jobs (a webhook's, `queue submit`'s), starts
// them when there is capacity (`queue.maxConcurrent` overall, `queue.perProject` per project) and,
// for one that asks, a person's approval, follows what each started (a workflow run, a fleet
// task) to its end, and reclaims at start what a killed daemon left.
//
// Each state is on disk before it counts (job-store.ts): a job is acknowledged only once its
// `pending` (or `awaiting_approval`) file is written; it is `running` on disk, with its attempt's
// tag, before its run or task is created; the run or task carries the tag (run.json's `job`, the
// task's `tag`), written before anything of it starts; its id is then recorded on the job. So a
// daemon killed at any point finds, at start:
//   - a `running` job with a target: re-attached (the engine resumed its run, the fleet its task);
//   - a `running` job without one: its tag is looked for; found → re-attached, not found → it was
//     never started, so it is `pending` again. Nothing is lost, nothing is started twice.
// All changes of one job happen one at a time (a chain per job), in memory and on disk in order.
import { EventEmitter } from 'node:events';
import { customAlphabet } from 'nanoid';
import { JobNotFoundError, UsageError, WorkerNotFoundError } from '../../domain/errors.js';
import {
  canTransitionJob,
  checkJobPayload,
  isJobFinished,
  jobTag,
  transitionJob,
  type Job,
  type JobChange,
  type JobSource,
  type JobStatus,
  type JobTarget,
} from '../../domain/queue/job.js';
import { resolveInputs } from '../../domain/workflow/workflow-graph.js';
import { isRunDone, type RunRecord } from '../../domain/workflow/workflow-run.js';
import type { QueueSettings } from '../../infrastructure/config/settings.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { JobStore } from '../../infrastructure/queue/job-store.js';
import { loadWorkflowFile } from '../../infrastructure/workflow/workflow-file.js';
import type { Clock } from '../ports/clock.js';
import type { FleetController } from '../fleet/fleet-controller.js';
import { validateWorkflow } from '../workflows/run-start.js';
import type { WorkflowEngine } from '../workflows/workflow-engine.js';
import { checkProject } from '../workers/worker-launcher.js';

const jobIdPart = customAlphabet('abcdefghijkmnpqrstuvwxyz23456789', 10);

export interface JobQueueEvents {
  // A job changed status (`from` null: it was just accepted).
  'job.state': [job: Job, from: JobStatus | null];
}

export interface JobQueueDeps {
  readonly store: JobStore;
  readonly fleet: FleetController;
  readonly workflows: WorkflowEngine;
  readonly limits: QueueSettings;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface SubmitOptions {
  readonly source: JobSource;
  // The key when the payload names none (a webhook's Idempotency-Key or X-GitHub-Delivery).
  readonly key?: string | null | undefined;
}

export interface Submitted {
  readonly job: Job;
  // false: a job with the key was there already, and that one is returned.
  readonly created: boolean;
}

export class JobQueue extends EventEmitter<JobQueueEvents> {
  private readonly chains = new Map<string, Promise<void>>();
  // Jobs accepted whose file is being written: a repeat of the key waits for it.
  private readonly accepting = new Map<string, Promise<void>>();
  private pumping: Promise<void> = Promise.resolve();
  private pumpAgain = false;
  private pumpBusy = false;
  private stopped = false;
  private started = false;
  // The run of each running workflow job: its end is noticed in the engine's `changed` events.
  private readonly runJobs = new Map<string, string>();
  private readonly onRunChanged = (run: RunRecord): void => this.runChanged(run);

  constructor(private readonly deps: JobQueueDeps) {
    super();
  }

  get store(): JobStore {
    return this.deps.store;
  }

  // Loads the jobs and reclaims what a killed daemon left running; then starts what may start.
  // Called after the engine resumed its runs and the fleet collected its tasks.
  async start(): Promise<void> {
    const loaded = await this.deps.store.load();
    if (loaded.unreadable.length > 0)
      this.deps.logger.warn('queue: unreadable job files kept aside', { files: loaded.unreadable });
    this.deps.workflows.on('changed', this.onRunChanged);
    this.started = true;
    for (const job of this.deps.store.all()) {
      if (job.status === 'running') await this.onChain(job.id, () => this.reclaim(job.id));
    }
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.workflows.off('changed', this.onRunChanged);
    await this.pumping.catch(() => undefined);
    await Promise.all([...this.chains.values()].map((c) => c.catch(() => undefined)));
    await this.deps.store.flush();
  }

  // --- the operations ---

  async submit(raw: unknown, options: SubmitOptions): Promise<Submitted> {
    this.requireStarted();
    const checked = checkJobPayload(raw);
    if ('issues' in checked) {
      const first = checked.issues[0];
      throw new UsageError(`bad job ${first?.path || '(payload)'}: ${first?.message ?? 'invalid'}`, {
        field: first?.path ?? '',
        issues: checked.issues,
      });
    }
    const payload = checked.payload;
    const key = payload.key ?? options.key ?? null;
    const existing = key === null ? undefined : await this.existing(key);
    if (existing) return { job: existing, created: false };

    const now = this.now();
    const id = `j${jobIdPart()}`;
    const base = {
      id,
      key: key ?? id,
      inputs: payload.inputs ?? {},
      requireApproval: payload.requireApproval ?? false,
      status: (payload.requireApproval ? 'awaiting_approval' : 'pending') as JobStatus,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      attempts: 0,
      target: null,
      reason: null,
      source: options.source,
    };
    let job: Job;
    if (payload.kind === 'workflow') {
      const file = typeof payload.workflow === 'string' ? payload.workflow : null;
      const document = file === null ? payload.workflow : (await loadWorkflowFile(file)).document;
      // What cannot run is refused now, not failed later: the workflow, its inputs, the project.
      const spec = validateWorkflow(document);
      resolveInputs(spec, payload.inputs ?? {});
      await checkProject(payload.project);
      job = {
        ...base,
        kind: 'workflow',
        seq: 0,
        project: payload.project,
        mode: payload.mode ?? 'manual',
        spec: { document, file },
      };
    } else {
      const worker = this.deps.fleet.rt.store.findWorker(payload.task.worker);
      if (!worker)
        throw new WorkerNotFoundError(`no worker ${payload.task.worker}`, { worker: payload.task.worker });
      job = {
        ...base,
        kind: 'task',
        seq: 0,
        project: payload.project ?? worker.project ?? `worker:${worker.name}`,
        mode: 'manual',
        spec: { worker: payload.task.worker, command: payload.task.command },
      };
    }
    // The checks above awaited: a submission with the same key may have been accepted meanwhile.
    const raced = key === null ? undefined : await this.existing(key);
    if (raced) return { job: raced, created: false };
    job = { ...job, seq: this.deps.store.nextSeq() };
    const written = this.deps.store.save(job);
    this.accepting.set(job.key, written);
    try {
      await written;
    } finally {
      this.accepting.delete(job.key);
    }
    this.deps.logger.info('queue: job accepted', { jobId: job.id, kind: job.kind, status: job.status });
    this.emit('job.state', job, null);
    this.kick();
    return { job, created: true };
  }

  list(): Job[] {
    return this.deps.store.all();
  }

  show(id: string): Job {
    const job = this.deps.store.get(id);
    if (!job) throw new JobNotFoundError(`no queue job ${id}`, { id });
    return job;
  }

  approve(id: string): Promise<Job> {
    return this.change(id, async (job) => {
      if (job.status !== 'awaiting_approval')
        throw new UsageError(`job ${id} is ${job.status}: only a job awaiting approval can be approved`, {
          id,
        });
      await this.move(job, 'pending', {});
      this.kick();
    });
  }

  deny(id: string, reason: string | null): Promise<Job> {
    return this.change(id, async (job) => {
      if (job.status !== 'awaiting_approval')
        throw new UsageError(`job ${id} is ${job.status}: only a job awaiting approval can be denied`, {
          id,
        });
      await this.move(job, 'failed', {
        reason: reason ? `denied: ${reason}` : 'denied',
        finishedAt: this.now(),
      });
    });
  }

  cancel(id: string): Promise<Job> {
    return this.change(id, async (job) => {
      if (isJobFinished(job.status))
        throw new UsageError(`job ${id} is ${job.status} already: there is nothing to cancel`, { id });
      if (job.status === 'running' && job.target) {
        // What it started is stopped first; its end (cancelled) is then the job's.
        if ('runId' in job.target) {
          const run = await this.deps.workflows.status(job.target.runId).catch(() => null);
          if (run && !isRunDone(run.status))
            await this.deps.workflows.cancel(job.target.runId).catch(() => undefined);
        } else await this.deps.fleet.cancel(job.target.taskId).catch(() => undefined);
      }
      const current = this.show(id);
      if (!isJobFinished(current.status))
        await this.move(current, 'failed', { reason: 'cancelled', finishedAt: this.now() });
      this.kick();
    });
  }

  retry(id: string): Promise<Job> {
    return this.change(id, async (job) => {
      if (job.status !== 'failed')
        throw new UsageError(`job ${id} is ${job.status}: only a failed job can be retried`, { id });
      await this.move(job, 'pending', { target: null, reason: null, startedAt: null, finishedAt: null });
      this.kick();
    });
  }

  // --- dispatch ---

  // Starts what may start now (one pass at a time; a kick during a pass asks for another).
  private kick(): void {
    if (this.stopped || !this.started) return;
    if (this.pumpBusy) {
      this.pumpAgain = true;
      return;
    }
    this.pumpBusy = true;
    this.pumping = (async () => {
      try {
        do {
          this.pumpAgain = false;
          await this.pump();
        } while (this.pumpAgain && !this.stopped);
      } finally {
        this.pumpBusy = false;
      }
    })().catch((error: unknown) => {
      this.deps.logger.error('queue: dispatch failed', { error: String(error) });
    });
  }

  private async pump(): Promise<void> {
    const { maxConcurrent, perProject } = this.deps.limits;
    for (;;) {
      if (this.stopped) return;
      const jobs = this.deps.store.all();
      const running = jobs.filter((j) => j.status === 'running');
      if (running.length >= maxConcurrent) return;
      const busy = new Map<string, number>();
      for (const j of running) busy.set(j.project, (busy.get(j.project) ?? 0) + 1);
      const next = jobs.find((j) => j.status === 'pending' && (busy.get(j.project) ?? 0) < perProject);
      if (!next) return;
      await this.onChain(next.id, () => this.startJob(next.id));
    }
  }

  // pending → running (on disk, with its tag), then its run or task, then its id on the job.
  private async startJob(id: string): Promise<void> {
    const job = this.show(id);
    if (job.status !== 'pending' || this.stopped) return;
    const now = this.now();
    const running = await this.move(job, 'running', {
      attempts: job.attempts + 1,
      startedAt: now,
      finishedAt: null,
      target: null,
      reason: null,
    });
    let target: JobTarget;
    try {
      target = await this.launch(running);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      await this.move(this.show(id), 'failed', { reason: `not started: ${why}`, finishedAt: this.now() });
      return;
    }
    await this.setTarget(this.show(id), target);
  }

  private async launch(job: Job): Promise<JobTarget> {
    const tag = jobTag(job);
    if (job.kind === 'workflow') {
      const run = await this.deps.workflows.start({
        spec: job.spec.document,
        file: job.spec.file,
        project: job.project,
        inputs: { ...job.inputs },
        mode: job.mode,
        keepWorkers: false,
        job: tag,
      });
      return { runId: run.id };
    }
    const task = await this.deps.fleet.send({ worker: job.spec.worker, command: job.spec.command, tag });
    return { taskId: task.id };
  }

  private async setTarget(job: Job, target: JobTarget): Promise<void> {
    const withTarget: Job = { ...job, target, updatedAt: this.now() };
    await this.deps.store.save(withTarget);
    this.follow(withTarget);
  }

  // Follows what a running job started to its end.
  private follow(job: Job): void {
    const { target } = job;
    if (!target || job.status !== 'running') return;
    if ('runId' in target) {
      this.runJobs.set(target.runId, job.id);
      // It may have ended before its id was recorded (or while the daemon was down).
      void this.deps.workflows
        .status(target.runId)
        .then((run) => this.runChanged(run))
        .catch(() => this.finishFor(job.id, target, 'failed', `its run ${target.runId} is gone`));
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
        this.finishFor(job.id, target, ok ? 'done' : 'failed', reason, attempts);
      })
      .catch((error: unknown) => {
        if (this.stopped) return;
        this.finishFor(job.id, target, 'failed', `its task: ${String(error)}`, attempts);
      });
  }

  private runChanged(run: RunRecord): void {
    if (!isRunDone(run.status)) return;
    const jobId = this.runJobs.get(run.id) ?? run.job?.split(':')[0];
    if (jobId === undefined) return;
    const ok = run.status === 'succeeded';
    this.finishFor(
      jobId,
      { runId: run.id },
      ok ? 'done' : 'failed',
      ok ? null : `run ${run.status}${run.reason ? `: ${run.reason}` : ''}`,
    );
  }

  // Ends a running job whose target ended (on the job's chain: after its target is recorded).
  private finishFor(
    jobId: string,
    target: NonNullable<JobTarget>,
    to: 'done' | 'failed',
    reason: string | null,
    attempts?: number,
  ): void {
    if (this.stopped) return;
    void this.onChain(jobId, async () => {
      const job = this.deps.store.get(jobId);
      if (!job || job.status !== 'running' || !sameTarget(job.target, target)) return;
      if (attempts !== undefined && job.attempts !== attempts) return;
      if ('runId' in target) this.runJobs.delete(target.runId);
      await this.move(job, to, { reason, finishedAt: this.now() });
      this.kick();
    }).catch((error: unknown) => {
      this.deps.logger.error('queue: could not record a job end', { jobId, error: String(error) });
    });
  }

  // --- reclaim (daemon start) ---

  private async reclaim(id: string): Promise<void> {
    const job = this.show(id);
    if (job.status !== 'running') return;
    if (job.target) {
      this.deps.logger.info('queue: job re-attached', { jobId: id, target: job.target });
      this.follow(job);
      return;
    }
    const tag = jobTag(job);
    if (job.kind === 'workflow') {
      const run = (await this.deps.workflows.list()).find((r) => r.job === tag);
      if (run) {
        const live = isRunDone(run.status) || this.deps.workflows.activeRuns().some((r) => r.id === run.id);
        if (!live) {
          // Its run.json was written but the daemon died before the run was marked active: it
          // never started anything, and starting it now could not be told from a second start.
          await this.move(job, 'failed', {
            target: { runId: run.id },
            reason: `its run ${run.id} was created but never started (the daemon died meanwhile): retry the job`,
            finishedAt: this.now(),
          });
          return;
        }
        this.deps.logger.info('queue: job found its run', { jobId: id, runId: run.id });
        await this.setTarget(job, { runId: run.id });
        return;
      }
    } else {
      const task = this.deps.fleet.rt.store.tasks().find((t) => t.tag === tag);
      if (task) {
        this.deps.logger.info('queue: job found its task', { jobId: id, taskId: task.id });
        // A task that ended meanwhile is collected by the wait at once.
        await this.setTarget(job, { taskId: task.id });
        return;
      }
    }
    // Never started: it may start (this attempt does not count).
    this.deps.logger.info('queue: job was never started, pending again', { jobId: id });
    await this.move(job, 'pending', { attempts: Math.max(0, job.attempts - 1), startedAt: null });
  }

  // --- helpers ---

  private async existing(key: string): Promise<Job | undefined> {
    const inFlight = this.accepting.get(key);
    if (inFlight) await inFlight.catch(() => undefined);
    return this.deps.store.byKey(key);
  }

  private async change(id: string, work: (job: Job) => Promise<void>): Promise<Job> {
    this.requireStarted();
    this.show(id);
    await this.onChain(id, async () => work(this.show(id)));
    return this.show(id);
  }

  private onChain(id: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.chains.set(id, next);
    void next
      .finally(() => {
        if (this.chains.get(id) === next) this.chains.delete(id);
      })
      .catch(() => undefined);
    return next;
  }

  private async move(job: Job, to: JobStatus, change: JobChange): Promise<Job> {
    if (!canTransitionJob(job.status, to)) {
      throw new UsageError(`job ${job.id} is ${job.status}: it cannot become ${to}`, { id: job.id });
    }
    const moved = transitionJob(job, to, change, this.now());
    await this.deps.store.save(moved);
    this.deps.logger.info('queue: job state', { jobId: job.id, from: job.status, to, reason: moved.reason });
    this.emit('job.state', moved, job.status);
    return moved;
  }

  private requireStarted(): void {
    if (!this.started || this.stopped) throw new UsageError('the job queue is not running', {});
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}

function sameTarget(a: JobTarget, b: NonNullable<JobTarget>): boolean {
  if (!a) return false;
  if ('runId' in a) return 'runId' in b && a.runId === b.runId;
  return 'taskId' in b && a.taskId === b.taskId;
}
