// How a run moves: after every change the scheduler's decisions are applied (start, skip, end a
// loop iteration) until nothing more can start; a step's task ending is checked (step-attempts.ts)
// and a failure goes through the step's on_failure (run-failures.ts); gates wait for a decision;
// the run ends when nothing is left. Always called on the run's chain (workflow-engine.ts).
import { parseExpression, evaluateExpression, isTruthy } from '../../domain/workflow/expression.js';
import { decide, runOutcome } from '../../domain/workflow/workflow-schedule.js';
import { dependenciesOf, loopOf, matrixFromValue, matrixInstances } from '../../domain/workflow/run-graph.js';
import {
  isRunDone,
  isStepDone,
  runStatusOf,
  type RunRecord,
  type StepRecord,
} from '../../domain/workflow/workflow-run.js';
import type { TaskResult } from '../contract/views.js';
import { changedSince, hashAll, openGate } from './gates.js';
import { RunContext } from './run-context.js';
import { RunFailures } from './run-failures.js';
import { RunLoops } from './run-loops.js';
import { RunMerges } from './run-merges.js';
import { RunGates } from './run-gates.js';
import { finishRun } from './run-finish.js';
import { RunLimits } from './run-limits.js';
import { writeStepReport } from './step-report.js';
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';

export class RunProgress {
  readonly failures: RunFailures;
  readonly loops: RunLoops;
  readonly merges: RunMerges;
  readonly gates: RunGates;
  private readonly limits: RunLimits;

  constructor(private readonly engine: WorkflowEngine) {
    this.failures = new RunFailures(engine, this);
    this.loops = new RunLoops(engine, this);
    this.merges = new RunMerges(engine, this);
    this.gates = new RunGates(engine, this);
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
      const contexts = await this.conditionContexts(active);
      const decisions = decide(active.spec, active.run, (step, deps) =>
        this.condition(active, contexts, step, deps),
      );
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

  // The `if:` contexts of the pending steps, their file texts read (decide's condition is sync).
  private async conditionContexts(active: ActiveRun): Promise<Map<string, RunContext>> {
    const contexts = new Map<string, RunContext>();
    const places = { runDir: this.engine.files.dir(active.run.id), stepDir: '' };
    for (const step of active.run.steps) {
      const expression = active.spec.steps[step.stepId]?.if;
      if (step.status === 'pending' && expression)
        contexts.set(step.id, await RunContext.forExpression(active.run, step, places, expression));
    }
    return contexts;
  }

  private condition(
    active: ActiveRun,
    contexts: ReadonlyMap<string, RunContext>,
    step: StepRecord,
    deps: readonly StepRecord[],
  ): boolean {
    const expression = active.spec.steps[step.stepId]?.if;
    const context = contexts.get(step.id);
    if (!expression || !context) return true;
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
      if (typeof spec.matrix === 'string' && step.id === step.stepId) {
        await this.expandMatrix(active, step, spec.matrix);
        return;
      }
      if (spec.kind === 'gate') await this.gates.openStepGate(active, step, spec);
      else if (spec.kind === 'loop') await this.loops.startLoop(active, step);
      else if (spec.kind === 'merge') await this.merges.startMerge(active, step);
      else await this.startTask(active, step);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.engine.updateStep(active, id, (s) => ({ ...s, attempts: s.attempts + 1 }));
      await this.failures.failed(active, id, reason);
    }
  }

  // A matrix read from earlier steps: its instances replace the record that stood for it (they
  // start on the next round; no value is a skipped step, not a silent pass).
  private async expandMatrix(active: ActiveRun, step: StepRecord, expression: string): Promise<void> {
    const places = { runDir: this.engine.files.dir(active.run.id), stepDir: '' };
    const context = await RunContext.forExpression(active.run, step, places, expression);
    const value = evaluateExpression(parseExpression(expression), { resolve: (ref) => context.value(ref) });
    const combos = matrixFromValue(value);
    if (combos.length === 0) return this.skip(active, step.id, `its matrix (${expression}) has no values`);
    const instances = matrixInstances(step.stepId, combos);
    const steps = active.run.steps.flatMap((s) => (s.id === step.id ? instances : [s]));
    await this.engine.save(active, { ...active.run, steps });
    await this.engine.audit(active, {
      event: 'matrix_expanded',
      step: step.id,
      instances: instances.map((i) => i.id),
    });
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
    const totals = { costUsd: active.run.costUsd + cost, agentTurns: active.run.agentTurns + turns };
    await this.engine.audit(active, {
      event: 'step_ended',
      step: id,
      attempt: step.attempts,
      status: end.status,
      exitCode: result.exitCode,
      reason: end.changes.reason ?? null,
      agentSessionId: end.changes.agentSessionId ?? null,
      costUsd: cost || null,
      ...(end.changes.violations?.length ? { violations: end.changes.violations } : {}),
      ...(end.changes.secretsRedacted ? { secretsRedacted: end.changes.secretsRedacted } : {}),
    });
    await writeStepReport(this.engine, active, { ...step, ...end.changes, status: end.status });
    // What the task left and the run's totals, in the same write as the step's new status.
    if (end.status === 'succeeded') await this.succeeded(active, id, end.changes, totals);
    else {
      await this.engine.updateStep(active, id, (s) => ({ ...s, ...end.changes }), totals);
      await this.failures.failed(active, id, end.changes.reason ?? 'failed');
    }
  }

  async succeeded(
    active: ActiveRun,
    id: string,
    changes: Partial<StepRecord> = {},
    totals: Partial<Pick<RunRecord, 'costUsd' | 'agentTurns'>> = {},
  ): Promise<void> {
    const finishedAt = new Date(this.now()).toISOString();
    await this.engine.updateStep(
      active,
      id,
      (s) => ({
        ...s,
        ...changes,
        status: 'succeeded',
        finishedAt: changes.finishedAt ?? s.finishedAt ?? finishedAt,
        durationMs:
          changes.durationMs ?? s.durationMs ?? (s.startedAt ? this.now() - Date.parse(s.startedAt) : null),
      }),
      totals,
    );
    await this.writeContext(active);
    await this.releaseWorker(active, id);
  }

  // A finished step's window closes once nothing can send it work again: no failure can be handed
  // back to it and it is in no loop (those keep their conversation until the run ends).
  private async releaseWorker(active: ActiveRun, id: string): Promise<void> {
    const step = active.run.steps.find((s) => s.id === id);
    if (!step?.worker || active.run.keepWorkers) return;
    const { spec } = active;
    const target = Object.values(spec.steps).some((other) => other.on_failure.handback === step.stepId);
    if (target || loopOf(spec, step.stepId) !== null) return;
    await this.engine.env.fleet.removeWorker(step.worker).catch(() => undefined);
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
      if (step.gate?.state === 'waiting') this.gates.armTimeout(active, step.id, step.gate.timeoutAt);
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
