// The durable job queue, in the daemon: it admits jobs (a webhook's, `queue submit`'s), starts
// them when there is capacity (`queue.maxConcurrent` overall, `queue.perProject` per project) and,
// for one that asks, a person's approval, follows what each started (a workflow run, a fleet
// task) to its end, and reclaims at start what a killed daemon left.
//
// Each state is on disk before it counts (job-store.ts): a job is acknowledged only once its
// `pending` (or `awaiting_approval`) file is written; it is `running` on disk, with its attempt's
// tag, before its run or task is created; the run or task carries the tag (run.json's `job`, the
// task's `tag`), written before anything of it starts; its id is then recorded on the job. So a
// daemon killed at any point finds, at start, a `running` job with a target (re-attached) or
// without one (job-reclaim.ts). All changes of one job happen one at a time (a chain per job), in memory and on disk in order.
import { EventEmitter } from 'node:events';
import { JobNotFoundError, UsageError } from '../../domain/errors.js';
import {
  canTransitionJob,
  isJobFinished,
  requireJobStatus,
  nextStartable,
  transitionJob,
  type Job,
  type JobChange,
  type JobPayload,
  type JobSource,
  type JobStatus,
  type JobTarget,
} from '../../domain/queue/job.js';
import type { QueueSettings } from '../../infrastructure/config/settings.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { JobStore } from '../../infrastructure/queue/job-store.js';
import type { Clock } from '../ports/clock.js';
import type { FleetController } from '../fleet/fleet-controller.js';
import type { WorkflowEngine } from '../workflows/workflow-engine.js';
import { admitJob, payloadOf } from './job-admission.js';
import { cancelTarget, launchTarget, sameTarget } from './job-targets.js';
import { reclaimJob } from './job-reclaim.js';
import { KeyedChains } from './keyed-chains.js';
import { JobWatch } from './job-watch.js';
import { SinglePass } from './single-pass.js';

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
  private readonly chains = new KeyedChains();
  // Submissions, serialized by idempotency key.
  private readonly keys = new KeyedChains();
  private stopped = false;
  private started = false;
  // What running jobs started, followed to their ends (job-watch.ts).
  private readonly watch: JobWatch;
  private readonly dispatch: SinglePass;

  constructor(private readonly deps: JobQueueDeps) {
    super();
    this.watch = new JobWatch(
      deps,
      (...end) => this.finishFor(...end),
      () => this.stopped,
    );
    this.dispatch = new SinglePass(
      () => this.pump(),
      (error) => deps.logger.error('queue: dispatch failed', { error: String(error) }),
      () => this.stopped,
    );
  }

  // Where a job's file is (retention removes finished ones).
  fileOf(id: string): string {
    return this.deps.store.fileOf(id);
  }

  // Loads the jobs and reclaims what a killed daemon left running; then starts what may start.
  // Called after the engine resumed its runs and the fleet collected its tasks.
  async start(): Promise<void> {
    const loaded = await this.deps.store.load();
    if (loaded.unreadable.length > 0)
      this.deps.logger.warn('queue: unreadable job files kept aside', { files: loaded.unreadable });
    this.watch.start();
    this.started = true;
    for (const job of this.deps.store.all()) {
      if (job.status === 'running') await this.chains.run(job.id, () => this.reclaim(job.id));
    }
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watch.stop();
    await this.dispatch.idle();
    await this.chains.idle();
    await this.deps.store.flush();
  }

  // Submissions of one key are admitted one at a time: a repeat finds the first job written.
  async submit(raw: unknown, options: SubmitOptions): Promise<Submitted> {
    this.requireStarted();
    const payload = payloadOf(raw);
    const key = payload.key ?? options.key ?? null;
    if (key === null) return this.accept(payload, null, options.source);
    let submitted: Submitted | undefined;
    await this.keys.run(key, async () => {
      submitted = await this.accept(payload, key, options.source);
    });
    if (!submitted) throw new Error(`job ${key} was not admitted`);
    return submitted;
  }

  private async accept(payload: JobPayload, key: string | null, source: JobSource): Promise<Submitted> {
    const existing = key === null ? undefined : this.deps.store.byKey(key);
    if (existing) return { job: existing, created: false };
    const admitted = await admitJob(payload, key, source, this.deps.fleet.rt.store, this.now());
    const job = { ...admitted, seq: this.deps.store.nextSeq() };
    await this.deps.store.save(job);
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
      requireJobStatus(job, 'awaiting_approval', 'approved');
      await this.move(job, 'pending', {});
      this.kick();
    });
  }

  deny(id: string, reason: string | null): Promise<Job> {
    return this.change(id, async (job) => {
      requireJobStatus(job, 'awaiting_approval', 'denied');
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
      // What it started is stopped first; its end (cancelled) is then the job's.
      if (job.status === 'running' && job.target) await cancelTarget(this.deps, job.target);
      const current = this.show(id);
      if (!isJobFinished(current.status))
        await this.move(current, 'failed', { reason: 'cancelled', finishedAt: this.now() });
      this.kick();
    });
  }

  retry(id: string): Promise<Job> {
    return this.change(id, async (job) => {
      requireJobStatus(job, 'failed', 'retried');
      await this.move(job, 'pending', { target: null, reason: null, startedAt: null, finishedAt: null });
      this.kick();
    });
  }

  // Retention: a finished job goes, on its chain (a retry asked before it comes first).
  async removeFinished(id: string): Promise<boolean> {
    let removed = false;
    await this.chains.run(id, async () => {
      const job = this.deps.store.get(id);
      if (!job || !isJobFinished(job.status)) return;
      await this.deps.store.remove(id);
      removed = true;
    });
    return removed;
  }

  // Starts what may start now (one pass at a time; a kick during a pass asks for another).
  private kick(): void {
    if (!this.stopped && this.started) this.dispatch.kick();
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const next = nextStartable(this.deps.store.all(), this.deps.limits);
      if (!next) return;
      await this.chains.run(next.id, () => this.startJob(next.id));
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
      target = await launchTarget(this.deps, running);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      await this.move(this.show(id), 'failed', { reason: `not started: ${why}`, finishedAt: this.now() });
      return;
    }
    await this.setTarget(this.show(id), target);
  }

  private async setTarget(job: Job, target: JobTarget): Promise<void> {
    const withTarget: Job = { ...job, target, updatedAt: this.now() };
    await this.deps.store.save(withTarget);
    this.watch.follow(withTarget);
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
    void this.chains
      .run(jobId, async () => {
        const job = this.deps.store.get(jobId);
        if (!job || job.status !== 'running' || !sameTarget(job.target, target)) return;
        if (attempts !== undefined && job.attempts !== attempts) return;
        if ('runId' in target) this.watch.forget(target.runId);
        await this.move(job, to, { reason, finishedAt: this.now() });
        this.kick();
      })
      .catch((error: unknown) => {
        this.deps.logger.error('queue: could not record a job end', { jobId, error: String(error) });
      });
  }

  private async reclaim(id: string): Promise<void> {
    const job = this.show(id);
    if (job.status !== 'running') return;
    await reclaimJob(job, {
      follow: () => this.watch.follow(job),
      targets: this.deps,
      logger: this.deps.logger,
      setTarget: (target) => this.setTarget(job, target),
      move: (to, change) => this.move(job, to, change).then(() => undefined),
      now: () => this.now(),
    });
  }

  private async change(id: string, work: (job: Job) => Promise<void>): Promise<Job> {
    this.requireStarted();
    this.show(id);
    await this.chains.run(id, async () => work(this.show(id)));
    return this.show(id);
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
