// The workflow engine, in the daemon: it starts runs, decides what runs next (domain
// workflow-schedule.ts) each time something ends, and keeps every run's state in its files before
// it acts, so a restarted daemon carries on where it was (resumeActive). One run's changes are
// applied one at a time (a chain per run); steps themselves run in parallel as fleet tasks.
import type { PolicyDecisionEvent } from '../policy/policy-gate.js';
import { EventEmitter } from 'node:events';
import { customAlphabet } from 'nanoid';
import {
  TmuxorchError,
  UsageError,
  WorkflowInvalidError,
  WorkflowNotFoundError,
} from '../../domain/errors.js';
import { workflowHash } from '../../infrastructure/workflow/workflow-file.js';
import { isRunDone, type RunRecord, type StepRecord } from '../../domain/workflow/workflow-run.js';
import type { WorkflowSpec } from '../../domain/workflow/workflow-spec.js';
import { AuditLog, type AuditEvent } from '../../infrastructure/workflow/audit-log.js';
import type { RunFiles } from '../../infrastructure/workflow/run-files.js';
import { MergeSteps } from './merge-step.js';
import { RunProgress } from './run-progress.js';
import { StepAttempts } from './step-attempts.js';
import { askingWorker, stepOfWorker } from './step-workers.js';
import type { WorkflowEnvironment } from './workflow-ports.js';
import { createRun, type StartRunInput } from './run-start.js';
import { cleanRun, type CleanReport } from './run-clean.js';

const runId = customAlphabet('abcdefghijkmnpqrstuvwxyz23456789', 6);

export interface ActiveRun {
  spec: WorkflowSpec;
  run: RunRecord;
  readonly audit: AuditLog;
  chain: Promise<void>;
  readonly timers: Map<string, NodeJS.Timeout>;
}

export interface WorkflowEngineEvents {
  changed: [run: RunRecord];
}

export class WorkflowEngine extends EventEmitter<WorkflowEngineEvents> {
  private readonly active = new Map<string, ActiveRun>();
  readonly attempts: StepAttempts;
  readonly merges: MergeSteps;
  private readonly progress: RunProgress;
  private stopped = false;

  constructor(
    readonly env: WorkflowEnvironment,
    readonly files: RunFiles,
  ) {
    super();
    this.attempts = new StepAttempts(env, files);
    this.merges = new MergeSteps(env, files);
    this.progress = new RunProgress(this);
    env.fleet.onPolicyDecision((event) => this.recordPolicy(event));
  }

  // Validates, writes the run's lock and state, and starts it; returns once it is running.
  async start(input: StartRunInput): Promise<RunRecord> {
    const id = `r${runId()}`;
    const { spec, run } = await createRun(this, id, input);
    const active = this.track(spec, run);
    await this.audit(active, {
      event: 'run_started',
      mode: run.mode,
      specHash: run.specHash,
      project: run.project,
    });
    this.kick(id);
    return active.run;
  }

  // Runs a daemon found unfinished when it started: tasks still running are waited for again,
  // gates wait as they were (only an explicit approve passes one).
  async resumeActive(): Promise<void> {
    for (const run of await this.files.activeRuns()) {
      if (isRunDone(run.status) || this.active.has(run.id)) continue;
      const lock = await this.files.readLock(run.id);
      if (!lock || workflowHash(lock.spec) !== run.specHash) {
        await this.files.appendLog(run.id, 'not resumed: its workflow.lock.json is missing or was changed');
        continue;
      }
      const active = this.track(lock.spec, run);
      await this.audit(active, { event: 'run_resumed' });
      this.enqueue(run.id, () => this.progress.reattach(active));
    }
  }

  // Continues a failed or cancelled run from its first unfinished step (flow resume).
  async resume(id: string): Promise<RunRecord> {
    const run = await this.load(id);
    if (!isRunDone(run.status) || run.status === 'succeeded')
      throw new UsageError(`run ${id} is ${run.status}: only a failed or cancelled run can be resumed`, {
        id,
      });
    const lock = await this.files.readLock(id);
    if (!lock) throw new WorkflowNotFoundError(`run ${id} has no workflow.lock.json`, { id });
    // The lock is what the run was started with: an edited one is refused, never run.
    if (workflowHash(lock.spec) !== run.specHash || lock.specHash !== run.specHash)
      throw new WorkflowInvalidError(
        `run ${id}'s workflow.lock.json was changed since the run started (its hash no longer matches): start a new run instead`,
        { id },
      );
    const active = this.track(lock.spec, { ...run, status: 'running', finishedAt: null, reason: null });
    await this.files.markActive(id, true);
    await this.enqueueAndWait(id, () => this.progress.reopen(active));
    return active.run;
  }

  // Removes the worktrees of a finished run whose branches are merged or pushed; keeps the rest.
  async clean(id: string): Promise<CleanReport> {
    if (this.active.has(id))
      throw new UsageError(`run ${id} is still going: cancel it or let it end first`, { id });
    const lock = await this.files.readLock(id);
    const report = await cleanRun(await this.load(id), lock?.spec ?? null, this.files, this.env.workspaces);
    await this.files.appendLog(id, `clean: removed ${report.removed.length}, kept ${report.kept.length}`);
    return report;
  }

  async status(id: string): Promise<RunRecord> {
    return this.active.get(id)?.run ?? (await this.load(id));
  }

  // The runs in progress, from memory (window 0 redraws every second).
  activeRuns(): RunRecord[] {
    return [...this.active.values()].map((a) => a.run);
  }

  async list(): Promise<RunRecord[]> {
    const onDisk = await this.files.listRuns();
    return onDisk.map((run) => this.active.get(run.id)?.run ?? run);
  }

  approve(id: string, step: string | undefined, note: string | null): Promise<RunRecord> {
    return this.decide(id, step, true, note);
  }

  deny(id: string, step: string | undefined, reason: string): Promise<RunRecord> {
    return this.decide(id, step, false, reason);
  }

  async cancel(id: string): Promise<RunRecord> {
    const active = await this.activeOf(id);
    await this.enqueueAndWait(id, () => this.progress.cancel(active));
    return active.run;
  }

  private async decide(
    id: string,
    step: string | undefined,
    approved: boolean,
    note: string | null,
  ): Promise<RunRecord> {
    const active = await this.activeOf(id);
    // What a step's role asks about (a command, a tool call) is answered like a gate, when no
    // gate waits: not through the run's chain, which is busy waiting for that step.
    const asking = askingWorker(active.run, this.env.fleet.workers(), step);
    if (asking) {
      await this.env.fleet.answer(asking, approved);
      return active.run;
    }
    await this.enqueueAndWait(id, () =>
      this.progress.gates.decideGate(active, step, approved, note, 'person'),
    );
    return active.run;
  }

  // Every decision a step's role led to (allowed, denied, asked, answered) in the run's audit, and
  // the budget's holds of a step's worker (which may hold no role: found by the worker's name).
  private recordPolicy(event: PolicyDecisionEvent): void {
    const active = event.runId
      ? this.active.get(event.runId)
      : [...this.active.values()].find((a) => stepOfWorker(a.run, event.worker) !== undefined);
    if (!active) return;
    const stepId = event.stepId ?? stepOfWorker(active.run, event.worker)?.id;
    void this.audit(active, {
      event: 'policy_decision',
      step: stepId,
      what: event.what,
      effect: event.effect,
      by: event.by,
      rule: event.rule,
      reason: event.reason,
    }).catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    for (const active of this.active.values())
      for (const timer of active.timers.values()) clearTimeout(timer);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  // --- for the run's parts (run-progress.ts) ---

  async save(active: ActiveRun, changed: RunRecord): Promise<void> {
    const run = { ...changed, auditHead: await active.audit.head() };
    active.run = run;
    await this.files.saveRun(run);
    this.emit('changed', run);
  }

  // One step changed (and, with `run`, the run's own fields), in one write of run.json.
  async updateStep(
    active: ActiveRun,
    id: string,
    change: (step: StepRecord) => StepRecord,
    run: Partial<Pick<RunRecord, 'costUsd' | 'agentTurns'>> = {},
  ): Promise<StepRecord> {
    const steps = active.run.steps.map((s) => (s.id === id ? change(s) : s));
    await this.save(active, { ...active.run, ...run, steps });
    const updated = active.run.steps.find((s) => s.id === id);
    if (!updated) throw new Error(`no step ${id}`);
    return updated;
  }

  // The audit line, and a line for a person in the run's logs.txt (and the step attempt's).
  async audit(active: ActiveRun, event: AuditEvent): Promise<void> {
    await active.audit.append(event);
    const what = [event.event, event.step, event.status, event.reason, event.message].filter(
      (part) => typeof part === 'string' && part !== '',
    );
    const line = this.env.redact(`${new Date(this.env.clock.now()).toISOString()} ${what.join(' ')}`);
    await this.files.appendLog(active.run.id, line);
    const step = event.step === undefined ? undefined : active.run.steps.find((s) => s.id === event.step);
    if (step && step.attempts > 0)
      await this.files.appendStepFile(
        this.files.stepDir(active.run.id, step.id, step.attempts),
        'logs.txt',
        line,
      );
  }

  // Runs `work` after the run's earlier changes; errors end up in the run's log.
  enqueue(id: string, work: () => Promise<void>): void {
    void this.enqueueAndWait(id, work).catch(() => undefined);
  }

  enqueueAndWait(id: string, work: () => Promise<void>): Promise<void> {
    const active = this.active.get(id);
    if (!active) return Promise.reject(new WorkflowNotFoundError(`no workflow run ${id}`, { id }));
    // After any change, what can run next is started (and a run with nothing left ends).
    const next = active.chain.then(async () => {
      if (this.stopped) return;
      await work();
      if (!this.stopped && !isRunDone(active.run.status)) await this.progress.advance(active);
    });
    active.chain = next.catch(async (error: unknown) => {
      const why = this.env.redact(error instanceof Error ? error.message : String(error));
      await this.files.appendLog(id, `error: ${why}`).catch(() => undefined);
      // A typed error answers a caller; any other is ours, and the run ends failed, not hung.
      if (error instanceof TmuxorchError || this.stopped || isRunDone(active.run.status)) return;
      try {
        await this.progress.failures.abort(active, why);
        await this.progress.advance(active);
      } catch (again) {
        await this.files
          .appendLog(id, `error while failing the run: ${String(again)}`)
          .catch(() => undefined);
      }
    });
    return next;
  }

  // Decides and starts what can run now.
  kick(id: string): void {
    this.enqueue(id, () => Promise.resolve());
  }

  forget(id: string): void {
    const active = this.active.get(id);
    if (!active) return;
    for (const timer of active.timers.values()) clearTimeout(timer);
    this.active.delete(id);
  }

  private track(spec: WorkflowSpec, run: RunRecord): ActiveRun {
    const audit = new AuditLog(this.files.auditFile(run.id), run.id, this.env.redact, () =>
      this.env.clock.now(),
    );
    const active: ActiveRun = { spec, run, audit, chain: Promise.resolve(), timers: new Map() };
    this.active.set(run.id, active);
    return active;
  }

  private async activeOf(id: string): Promise<ActiveRun> {
    const active = this.active.get(id);
    if (active) return active;
    const run = await this.load(id);
    throw new UsageError(`run ${id} is ${run.status}: there is nothing to decide or cancel`, { id });
  }

  private load(id: string): Promise<RunRecord> {
    return this.files.requireRun(id);
  }
}
