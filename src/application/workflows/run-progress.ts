// How a run moves: after every change the scheduler's decisions are applied (start, skip, end a
// loop iteration) until nothing more can start; a step's task ending is checked (step-attempts.ts)
// and a failure goes through the step's on_failure (run-failures.ts); gates wait for a decision;
// the run ends when nothing is left. Always called on the run's chain (workflow-engine.ts).
import { parseExpression, evaluateExpression, isTruthy } from '../../domain/workflow/expression.js';
import { decide, runOutcome } from '../../domain/workflow/workflow-schedule.js';
import { dependenciesOf } from '../../domain/workflow/run-graph.js';
import {
  isRunDone,
  isStepDone,
  runStatusOf,
  type GateRecord,
  type StepRecord,
} from '../../domain/workflow/workflow-run.js';
import type { GateStepSpec } from '../../domain/workflow/workflow-spec.js';
import type { TaskResult } from '../contract/views.js';
import { autoPasses, changedSince, hashAll, openGate, shownPaths } from './gates.js';
import { RunContext } from './run-context.js';
import { RunFailures } from './run-failures.js';
import { RunLoops } from './run-loops.js';
import { RunMerges } from './run-merges.js';
import { GateDecisions } from './gate-decisions.js';
import { finishRun } from './run-finish.js';
import { RunLimits } from './run-limits.js';
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';

export class RunProgress {
  readonly failures: RunFailures;
  readonly loops: RunLoops;
  readonly merges: RunMerges;
  readonly gates: GateDecisions;
  private readonly limits: RunLimits;

  constructor(private readonly engine: WorkflowEngine) {
    this.failures = new RunFailures(engine, this);
    this.loops = new RunLoops(engine, this);
    this.merges = new RunMerges(engine, this);
    this.gates = new GateDecisions(engine, this);
    this.limits = new RunLimits(engine);
  }

  private now(): number {
    return this.engine.env.clock.now();
  }

  // Applies decisions until none is left; ends the run when nothing remains.
  async advance(active: ActiveRun): Promise<void> {
    if (isRunDone(active.run.status)) return;
    for (let round = 0; round < 10_000; round += 1) {
      if (await this.limits.check(active)) break;
      const blocked = active.run.gate?.state === 'waiting';
      const decisions = decide(active.spec, active.run, (step, deps) => this.condition(active, step, deps));
      const actionable = decisions.filter((d) => !(blocked && d.kind === 'start'));
      if (actionable.length === 0) break;
      for (const decision of actionable) {
        if (decision.kind === 'skip') await this.skip(active, decision.step, decision.reason);
        else if (decision.kind === 'loop_end') await this.loops.endIteration(active, decision.loop);
        else await this.startStep(active, decision.step);
      }
    }
    const outcome = runOutcome(active.spec, active.run);
    if (outcome) await finishRun(this.engine, active, outcome);
    else {
      const status = runStatusOf(active.run);
      if (status !== active.run.status) await this.engine.save(active, { ...active.run, status });
    }
  }

  private condition(active: ActiveRun, step: StepRecord, deps: readonly StepRecord[]): boolean {
    const expression = active.spec.steps[step.stepId]?.if;
    if (!expression) return true;
    const context = RunContext.plain(active.run, step, {
      runDir: this.engine.files.dir(active.run.id),
      stepDir: '',
    });
    return isTruthy(
      evaluateExpression(parseExpression(expression), { resolve: (ref) => context.value(ref), needs: deps }),
    );
  }

  async skip(active: ActiveRun, id: string, reason: string): Promise<void> {
    await this.engine.updateStep(active, id, (s) => ({ ...s, status: 'skipped', reason }));
    await this.engine.audit(active, { event: 'step_skipped', step: id, reason });
  }

  private async startStep(active: ActiveRun, id: string): Promise<void> {
    const step = active.run.steps.find((s) => s.id === id);
    const spec = step ? active.spec.steps[step.stepId] : undefined;
    if (!step || !spec) return;
    // An approval holds only while what it approved is unchanged.
    for (const dep of dependenciesOf(active.spec, active.run.steps, step)) {
      if (dep.gate?.state !== 'approved' || dep.gate.by === 'auto') continue;
      const changed = await changedSince(dep.gate);
      if (changed.length === 0) continue;
      const hashes = await hashAll(Object.keys(dep.gate.hashes));
      const message = `${changed.join(', ')} changed after the approval: look again`;
      await this.engine.updateStep(active, dep.id, (s) => ({
        ...s,
        status: 'awaiting_approval',
        gate: openGate(dep.gate?.kind ?? 'gate', message, hashes, this.now(), undefined),
      }));
      await this.engine.audit(active, { event: 'approval_void', step: dep.id, changed, hashes });
      return;
    }
    try {
      if (spec.kind === 'gate') await this.openStepGate(active, step, spec);
      else if (spec.kind === 'loop') await this.loops.startLoop(active, step);
      else if (spec.kind === 'merge') await this.merges.startMerge(active, step);
      else await this.startTask(active, step);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.engine.updateStep(active, id, (s) => ({ ...s, attempts: s.attempts + 1 }));
      await this.failures.failed(active, id, reason);
    }
  }

  private async startTask(active: ActiveRun, step: StepRecord): Promise<void> {
    const started = await this.engine.attempts.start(active.spec, active.run, step);
    const { step: running } = started;
    await this.engine.updateStep(active, step.id, () => running);
    await this.engine.audit(active, {
      event: 'step_started',
      step: step.id,
      attempt: running.attempts,
      iteration: running.iteration,
      worker: running.worker,
      task: running.taskId,
      sentHash: running.inputHash,
      agentSessionId: running.agentSessionId,
      workspace: running.workspace?.path ?? null,
    });
    this.follow(active, running);
  }

  // Waits for the step's task in the background; its end is applied on the run's chain.
  follow(active: ActiveRun, step: StepRecord): void {
    const taskId = step.taskId;
    if (!taskId) return;
    void this.engine.env.fleet.wait(taskId).then(
      (result) => this.engine.enqueue(active.run.id, () => this.taskEnded(active, step.id, taskId, result)),
      (error: unknown) =>
        this.engine.enqueue(active.run.id, () =>
          this.failures.failed(active, step.id, `its task could not be followed: ${String(error)}`),
        ),
    );
  }

  private async taskEnded(active: ActiveRun, id: string, taskId: string, result: TaskResult): Promise<void> {
    const step = active.run.steps.find((s) => s.id === id);
    if (step?.status !== 'running' || step.taskId !== taskId) return;
    const end = await this.engine.attempts.finish(active.spec, active.run, step, result);
    const turns = active.spec.steps[step.stepId]?.kind === 'agent' ? 1 : 0;
    const cost = result.agent?.costUsd ?? 0;
    await this.engine.save(active, {
      ...active.run,
      costUsd: active.run.costUsd + cost,
      agentTurns: active.run.agentTurns + turns,
    });
    await this.engine.updateStep(active, id, (s) => ({ ...s, ...end.changes }));
    await this.engine.audit(active, {
      event: 'step_ended',
      step: id,
      attempt: step.attempts,
      status: end.status,
      exitCode: result.exitCode,
      reason: end.changes.reason ?? null,
      agentSessionId: end.changes.agentSessionId ?? null,
      costUsd: cost || null,
    });
    if (end.status === 'succeeded') await this.succeeded(active, id);
    else await this.failures.failed(active, id, end.changes.reason ?? 'failed');
  }

  async succeeded(active: ActiveRun, id: string, changes: Partial<StepRecord> = {}): Promise<void> {
    const finishedAt = new Date(this.now()).toISOString();
    await this.engine.updateStep(active, id, (s) => ({
      ...s,
      ...changes,
      status: 'succeeded',
      finishedAt: s.finishedAt ?? finishedAt,
      durationMs: s.durationMs ?? (s.startedAt ? this.now() - Date.parse(s.startedAt) : null),
    }));
    await this.writeContext(active);
  }

  private async openStepGate(active: ActiveRun, step: StepRecord, spec: GateStepSpec): Promise<void> {
    const runDir = this.engine.files.dir(active.run.id);
    const paths = shownPaths(active.run, step, runDir, spec.gate.show);
    const hashes = await hashAll(paths);
    const context = await RunContext.for(
      active.run,
      step,
      { runDir, stepDir: runDir },
      spec.gate.message ? [spec.gate.message] : [],
    );
    const message = spec.gate.message ? context.render(spec.gate.message) : `approve step ${step.id}`;
    const gate = openGate('gate', message, hashes, this.now(), spec.gate.timeout);
    const startedAt = new Date(this.now()).toISOString();
    await this.waitAtGate(active, step.id, gate, { attempts: step.attempts + 1, startedAt });
    if (autoPasses(active.run.mode, spec))
      await this.gates.decideGate(active, step.id, true, 'auto mode', 'auto');
    else this.armTimeout(active, step.id, gate.timeoutAt);
  }

  // The step waits at `gate` (its own, a failure asking, a merge): saved, and the audit says so.
  async waitAtGate(
    active: ActiveRun,
    id: string,
    gate: GateRecord,
    changes: Partial<StepRecord> = {},
  ): Promise<void> {
    await this.engine.updateStep(active, id, (s) => ({
      ...s,
      ...changes,
      status: 'awaiting_approval',
      gate,
    }));
    await this.engine.audit(active, {
      event: 'gate_shown',
      step: id,
      kind: gate.kind,
      message: gate.message,
      hashes: gate.hashes,
      timeoutAt: gate.timeoutAt,
    });
  }

  armTimeout(active: ActiveRun, id: string, timeoutAt: string | null): void {
    if (!timeoutAt) return;
    const delay = Math.max(0, Date.parse(timeoutAt) - this.now());
    clearTimeout(active.timers.get(id));
    active.timers.set(
      id,
      setTimeout(() => {
        active.timers.delete(id);
        this.engine.enqueue(active.run.id, async () => {
          const step = active.run.steps.find((s) => s.id === id);
          if (step?.gate?.state === 'waiting')
            await this.gates.decideGate(active, id, false, 'the gate timed out', 'timeout');
        });
      }, delay),
    );
  }

  async writeContext(active: ActiveRun): Promise<void> {
    const steps = Object.fromEntries(
      active.run.steps
        .filter((s) => isStepDone(s.status))
        .map((s) => [s.id, { status: s.status, summary: s.summary, outputs: s.outputs, verdict: s.verdict }]),
    );
    await this.engine.files.write(
      active.run.id,
      'context.json',
      `${JSON.stringify({ run: active.run.id, steps }, null, 2)}\n`,
    );
  }

  // After a daemon restart: running tasks followed again, waiting gates re-armed.
  async reattach(active: ActiveRun): Promise<void> {
    for (const step of active.run.steps) {
      if (step.status === 'running' && step.taskId && !this.isContainer(active, step))
        this.follow(active, step);
      else if (step.status === 'running' && !this.isContainer(active, step))
        await this.engine.updateStep(active, step.id, (s) => ({ ...s, status: 'pending' }));
      if (step.gate?.state === 'waiting') this.armTimeout(active, step.id, step.gate.timeoutAt);
    }
  }

  private isContainer(active: ActiveRun, step: StepRecord): boolean {
    const kind = active.spec.steps[step.stepId]?.kind;
    return kind === 'loop';
  }

  reopen(active: ActiveRun): Promise<void> {
    return this.failures.reopen(active);
  }

  cancel(active: ActiveRun): Promise<void> {
    return this.failures.cancel(active);
  }
}
