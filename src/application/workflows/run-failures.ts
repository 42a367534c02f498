// What a failure, a loop iteration's end, a merge and a person's decision do to a run. A failed
// step is retried, handed back (its output goes to the step named, in the same conversation, and
// the steps between run again), put to a person, or left failed, as its on_failure says; a loop
// ends with a verdict, never silently; a merge stops at the first conflict or failing verify.
import { UsageError } from '../../domain/errors.js';
import { evaluateExpression, isTruthy, parseExpression } from '../../domain/workflow/expression.js';
import { handbackRange, instancesOf, pairedInstance } from '../../domain/workflow/run-graph.js';
import { iterationSignature } from '../../domain/workflow/workflow-schedule.js';
import {
  isStepDone,
  resetStep,
  type LoopVerdict,
  type StepRecord,
} from '../../domain/workflow/workflow-run.js';
import type { LoopStepSpec } from '../../domain/workflow/workflow-spec.js';
import { changedSince, decideGate, hashAll, openGate } from './gates.js';
import { RunContext } from './run-context.js';
import type { RunProgress } from './run-progress.js';
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';

export class RunFailures {
  constructor(
    private readonly engine: WorkflowEngine,
    private readonly progress: RunProgress,
  ) {}

  private now(): number {
    return this.engine.env.clock.now();
  }

  private find(active: ActiveRun, id: string): StepRecord | undefined {
    return active.run.steps.find((s) => s.id === id);
  }

  async failed(active: ActiveRun, id: string, reason: string): Promise<void> {
    const step = this.find(active, id);
    const spec = step ? active.spec.steps[step.stepId] : undefined;
    if (!step || !spec) return;
    const { retry, handback, then } = spec.on_failure;
    const finishedAt = new Date(this.now()).toISOString();
    const inLoop = this.engine.inLoop(active.spec, step.stepId) !== null;
    if (!handback && step.retries < retry) {
      await this.engine.updateStep(active, id, (s) => resetStep(s, { retries: s.retries + 1, reason }));
      await this.engine.audit(active, { event: 'step_retried', step: id, attempt: step.attempts, reason });
      return;
    }
    if (handback && !inLoop && step.handbacks < Math.max(1, retry)) {
      await this.handBack(active, step, handback, reason);
      return;
    }
    if (then === 'ask_human') {
      const gate = openGate(
        'ask_human',
        `step ${id} failed: ${reason}. Approve to run it again, deny to fail it.`,
        {},
        this.now(),
        undefined,
      );
      await this.engine.updateStep(active, id, (s) => ({
        ...s,
        status: 'awaiting_approval',
        reason,
        gate,
        finishedAt,
      }));
      await this.engine.audit(active, {
        event: 'gate_shown',
        step: id,
        kind: 'ask_human',
        message: gate.message,
      });
      return;
    }
    await this.engine.updateStep(active, id, (s) => ({ ...s, status: 'failed', reason, finishedAt }));
    await this.engine.audit(active, { event: 'step_failed', step: id, reason, then });
  }

  // The failing output goes back to `target`; it and the steps between run again.
  private async handBack(
    active: ActiveRun,
    failed: StepRecord,
    target: string,
    reason: string,
  ): Promise<void> {
    const range = handbackRange(active.spec, target, failed.stepId);
    const output = failed.outputTail || reason;
    const targetInstance = pairedInstance(active.run.steps, failed, target);
    const steps = active.run.steps.map((s) => {
      if (!range.has(s.stepId)) return s;
      if (s.id === failed.id) return resetStep(s, { handbacks: s.handbacks + 1, reason });
      if (s.id === targetInstance?.id) return resetStep(s, { handback: { from: failed.id, output } });
      return resetStep(s);
    });
    await this.engine.save(active, { ...active.run, steps });
    await this.engine.audit(active, {
      event: 'handback',
      step: failed.id,
      to: targetInstance?.id ?? target,
      reason,
    });
  }

  async startLoop(active: ActiveRun, loop: StepRecord): Promise<void> {
    const startedAt = new Date(this.now()).toISOString();
    await this.engine.updateStep(active, loop.id, (s) => ({
      ...s,
      status: 'running',
      iteration: 1,
      attempts: 1,
      startedAt,
    }));
    await this.resetMembers(active, loop.id, 1, null);
    await this.engine.audit(active, { event: 'loop_iteration', step: loop.id, iteration: 1 });
  }

  private async resetMembers(
    active: ActiveRun,
    loopId: string,
    iteration: number,
    failure: { from: string; output: string; to: string } | null,
  ): Promise<void> {
    const loop = this.find(active, loopId);
    const spec = loop ? (active.spec.steps[loop.stepId] as LoopStepSpec) : undefined;
    if (!spec) return;
    const members = new Set(spec.loop.steps);
    const steps = active.run.steps.map((s) =>
      members.has(s.stepId)
        ? resetStep(s, {
            iteration,
            handback:
              failure && s.stepId === failure.to ? { from: failure.from, output: failure.output } : null,
          })
        : s,
    );
    await this.engine.save(active, { ...active.run, steps });
  }

  // Every step of the loop is done this iteration: converged, at its cap, no progress, or again.
  async endIteration(active: ActiveRun, loopId: string): Promise<void> {
    const loop = this.find(active, loopId);
    const spec = loop ? (active.spec.steps[loop.stepId] as LoopStepSpec) : undefined;
    if (!loop || !spec) return;
    const members = spec.loop.steps.flatMap((id) => instancesOf(active.run.steps, id));
    const context = RunContext.plain(active.run, loop, {
      runDir: this.engine.files.dir(active.run.id),
      stepDir: '',
    });
    const done = isTruthy(
      evaluateExpression(parseExpression(spec.loop.until), {
        resolve: (ref) => context.value(ref),
        needs: members,
      }),
    );
    const signature = iterationSignature(members);
    const end = async (verdict: LoopVerdict, reason: string | null): Promise<void> => {
      const status = verdict === 'converged' ? 'succeeded' : 'failed';
      await this.engine.updateStep(active, loopId, (s) => ({
        ...s,
        status,
        verdict,
        reason,
        finishedAt: new Date(this.now()).toISOString(),
      }));
      await this.engine.audit(active, {
        event: 'loop_ended',
        step: loopId,
        iteration: loop.iteration,
        verdict,
        reason,
      });
      if (status === 'succeeded') await this.progress.writeContext(active);
    };
    if (done) return end('converged', null);
    if (loop.iteration >= spec.loop.max_iterations)
      return end(
        'unresolved_at_cap',
        `still failing after ${loop.iteration} iterations (max_iterations ${spec.loop.max_iterations})`,
      );
    if (signature !== '' && loop.signatures.at(-1) === signature)
      return end('no_progress', `iteration ${loop.iteration} failed the same way as the one before`);
    const failedMember = members.find((m) => m.status === 'failed');
    const firstAgent = spec.loop.steps.find((id) => active.spec.steps[id]?.kind === 'agent');
    const to =
      (failedMember && active.spec.steps[failedMember.stepId]?.on_failure.handback) ?? firstAgent ?? null;
    const failure =
      failedMember && to
        ? { from: failedMember.id, output: failedMember.outputTail || failedMember.reason || '', to }
        : null;
    const iteration = loop.iteration + 1;
    await this.engine.updateStep(active, loopId, (s) => ({
      ...s,
      iteration,
      signatures: [...s.signatures, signature],
    }));
    await this.resetMembers(active, loopId, iteration, failure);
    await this.engine.audit(active, {
      event: 'loop_iteration',
      step: loopId,
      iteration,
      handback: failure?.to ?? null,
    });
  }

  async startMerge(active: ActiveRun, step: StepRecord): Promise<void> {
    const startedAt = new Date(this.now()).toISOString();
    const running = await this.engine.updateStep(active, step.id, (s) => ({
      ...s,
      status: 'running',
      attempts: s.attempts + 1,
      startedAt,
    }));
    const id = active.run.id;
    void this.engine.merges.merge(active.spec, active.run, running).then(
      (result) => this.engine.enqueue(id, () => this.mergeEnded(active, step.id, result)),
      (error: unknown) =>
        this.engine.enqueue(id, () =>
          this.failed(active, step.id, error instanceof Error ? error.message : String(error)),
        ),
    );
  }

  private async mergeEnded(
    active: ActiveRun,
    id: string,
    result: Awaited<ReturnType<WorkflowEngine['merges']['merge']>>,
  ): Promise<void> {
    const { outcome } = result;
    await this.engine.audit(active, {
      event: 'merge_result',
      step: id,
      ...outcome,
      integration: result.branch,
    });
    if (outcome.status === 'conflict')
      return this.failed(
        active,
        id,
        `merging ${outcome.branch} conflicts (${outcome.files.join(', ')}); merged before it: ${outcome.merged.join(', ') || 'none'}`,
      );
    if (outcome.status === 'verify_failed') {
      await this.engine.updateStep(active, id, (s) => ({ ...s, outputTail: outcome.output.slice(-4_000) }));
      return this.failed(active, id, `verify failed after merging ${outcome.branch}`);
    }
    const summary = `merged ${outcome.merged.join(', ') || 'nothing'} into ${result.branch} (${outcome.head.slice(0, 12)})`;
    await this.engine.updateStep(active, id, (s) => ({ ...s, summary, outputs: { head: outcome.head } }));
    if (!result.target)
      return this.progress.succeeded(active, id, {
        summary: `${summary}; no branch to move (detached base)`,
      });
    if (active.run.mode === 'manual') {
      const gate = openGate(
        'merge',
        `move ${result.target} to ${outcome.head.slice(0, 12)} (${summary})?`,
        {},
        this.now(),
        undefined,
      );
      await this.engine.updateStep(active, id, (s) => ({ ...s, status: 'awaiting_approval', gate }));
      await this.engine.audit(active, {
        event: 'gate_shown',
        step: id,
        kind: 'merge',
        message: gate.message,
      });
      return;
    }
    await this.moveTarget(active, id, result.target, outcome.head, summary);
  }

  private async moveTarget(
    active: ActiveRun,
    id: string,
    target: string,
    head: string,
    summary: string,
  ): Promise<void> {
    await this.engine.merges.advance(active.run, target, head);
    await this.engine.audit(active, { event: 'branch_moved', step: id, branch: target, to: head });
    await this.progress.succeeded(active, id, { summary: `${summary}; ${target} moved to it` });
  }

  // approve / deny: the step's gate named, or the one waiting (the run's own first).
  async decideGate(
    active: ActiveRun,
    stepId: string | undefined,
    approved: boolean,
    note: string | null,
    by: 'person' | 'auto' | 'timeout',
  ): Promise<void> {
    if (stepId === undefined && active.run.gate?.state === 'waiting') {
      const gate = decideGate(active.run.gate, approved, by, note, this.now());
      const waived = approved
        ? [
            ...active.run.limitsWaived,
            ...(gate.message.match(/^(wall_time|cost_usd|agent_turns)/)?.slice(1) ?? []),
          ]
        : active.run.limitsWaived;
      await this.engine.save(active, {
        ...active.run,
        gate,
        limitsWaived: waived as typeof active.run.limitsWaived,
      });
      await this.engine.audit(active, {
        event: approved ? 'gate_approved' : 'gate_denied',
        kind: 'limit',
        note,
        by,
      });
      if (!approved) await this.cancel(active, `denied at the limit gate${note ? `: ${note}` : ''}`);
      return;
    }
    const waiting = active.run.steps.filter(
      (s) => s.gate?.state === 'waiting' && (stepId === undefined || s.id === stepId),
    );
    if (waiting.length !== 1)
      throw new UsageError(
        waiting.length === 0
          ? `run ${active.run.id} has no gate waiting${stepId ? ` at step ${stepId}` : ''}`
          : `run ${active.run.id} has ${waiting.length} gates waiting (${waiting.map((s) => s.id).join(', ')}): name the step`,
      );
    const step = waiting[0] as StepRecord;
    const gate = step.gate;
    if (!gate) return;
    if (approved && by === 'person') {
      const changed = await changedSince(gate);
      if (changed.length > 0) {
        const hashes = await hashAll(Object.keys(gate.hashes));
        await this.engine.updateStep(active, step.id, (s) => ({
          ...s,
          gate: {
            ...gate,
            hashes,
            message: `${changed.join(', ')} changed since the gate opened: look again`,
          },
        }));
        await this.engine.audit(active, { event: 'gate_shown', step: step.id, changed, hashes });
        throw new UsageError(
          `${changed.join(', ')} changed since step ${step.id}'s gate showed it: look again, then approve`,
        );
      }
    }
    clearTimeout(active.timers.get(step.id));
    const decided = decideGate(gate, approved, by, note, this.now());
    await this.engine.updateStep(active, step.id, (s) => ({ ...s, gate: decided }));
    await this.engine.audit(active, {
      event: approved ? 'gate_approved' : 'gate_denied',
      step: step.id,
      kind: gate.kind,
      hashes: gate.hashes,
      note,
      by,
    });
    if (gate.kind === 'ask_human') {
      if (approved) await this.engine.updateStep(active, step.id, (s) => resetStep(s, { gate: decided }));
      else
        await this.engine.updateStep(active, step.id, (s) => ({
          ...s,
          status: 'failed',
          reason: `denied after it failed${note ? `: ${note}` : ''}`,
        }));
      return;
    }
    if (gate.kind === 'merge') {
      const target = gate.message.match(/^move (\S+) to /)?.[1];
      const head = step.outputs.head;
      if (approved && target && head)
        return this.moveTarget(active, step.id, target, head, step.summary ?? 'merged');
      await this.engine.updateStep(active, step.id, (s) => ({
        ...s,
        status: 'failed',
        reason: `not merged: denied${note ? `: ${note}` : ''}`,
      }));
      return;
    }
    if (approved) await this.progress.succeeded(active, step.id);
    else
      await this.engine.updateStep(active, step.id, (s) => ({
        ...s,
        status: 'failed',
        reason: by === 'timeout' ? 'the gate timed out: denied' : `denied${note ? `: ${note}` : ''}`,
      }));
  }

  async cancel(active: ActiveRun, reason = 'cancelled'): Promise<void> {
    for (const step of active.run.steps) {
      if (step.status === 'running' && step.taskId)
        await this.engine.env.fleet.cancel(step.taskId).catch(() => undefined);
    }
    const steps = active.run.steps.map((s) =>
      isStepDone(s.status) ? s : { ...s, status: 'cancelled' as const, reason },
    );
    await this.engine.save(active, { ...active.run, steps, reason });
  }

  // flow resume: failed and cancelled steps (and those skipped because of them) run again.
  async reopen(active: ActiveRun): Promise<void> {
    const steps = active.run.steps.map((s) =>
      s.status === 'failed' || s.status === 'cancelled' || s.status === 'skipped'
        ? resetStep(s, { retries: 0, handbacks: 0 })
        : s,
    );
    await this.engine.save(active, { ...active.run, steps, status: 'running', finishedAt: null });
    await this.engine.audit(active, { event: 'run_resumed', by: 'person' });
  }
}
