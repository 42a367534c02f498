// What a failure does to a run: a failed step is retried, handed back (its output goes to the
// step named, in the same conversation, and the steps between run again), put to a person, or
// left failed, as its on_failure says. Also cancel and resume, which end or reopen steps.
import { handbackRange, loopOf, pairedInstance } from '../../domain/workflow/run-graph.js';
import { isStepDone, resetStep, type StepRecord } from '../../domain/workflow/workflow-run.js';
import { openGate } from './gates.js';
import type { ActiveRun } from './workflow-engine.js';
import { RunPart } from './run-part.js';

export class RunFailures extends RunPart {
  async failed(active: ActiveRun, id: string, reason: string): Promise<void> {
    const step = this.find(active, id);
    const spec = step ? active.spec.steps[step.stepId] : undefined;
    if (!step || !spec) return;
    const { retry, handback, then } = spec.on_failure;
    const finishedAt = new Date(this.now()).toISOString();
    const inLoop = loopOf(active.spec, step.stepId) !== null;
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
      await this.progress.gates.waitAtGate(active, id, gate, { reason, finishedAt });
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

  // The controller itself failed while the run advanced (a file it could not write, a bug): the
  // run must not stay `running` with nothing left to move it. Its running tasks are cancelled,
  // its steps not done fail with the error, and the run then ends failed (`flow resume` takes
  // it up again once the cause is fixed).
  async abort(active: ActiveRun, why: string): Promise<void> {
    for (const step of active.run.steps) {
      if (step.status === 'running' && step.taskId)
        await this.engine.env.fleet.cancel(step.taskId).catch(() => undefined);
    }
    const reason = `the controller failed: ${why}`;
    const finishedAt = new Date(this.now()).toISOString();
    const steps = active.run.steps.map((s) =>
      isStepDone(s.status) ? s : { ...s, status: 'failed' as const, reason, finishedAt, gate: null },
    );
    await this.engine.save(active, { ...active.run, steps, reason, gate: null });
    // The audit may be what failed: the run's end must not wait on it.
    await this.engine.audit(active, { event: 'run_error', reason }).catch(() => undefined);
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

  // flow resume: failed and cancelled steps (and those skipped because of them) run again; a
  // finished step whose inputs changed since it ran (its prompt or command renders otherwise now:
  // an output file it reads was changed) is not reused silently: it waits at a gate saying so.
  async reopen(active: ActiveRun): Promise<void> {
    const steps = active.run.steps.map((s) =>
      s.status === 'failed' || s.status === 'cancelled' || s.status === 'skipped'
        ? resetStep(s, { retries: 0, handbacks: 0 })
        : s,
    );
    await this.engine.save(active, { ...active.run, steps, status: 'running', finishedAt: null });
    await this.engine.audit(active, { event: 'run_resumed', by: 'person' });
    for (const step of active.run.steps) {
      const kind = active.spec.steps[step.stepId]?.kind;
      if (step.status !== 'succeeded' || !step.inputHash || (kind !== 'agent' && kind !== 'shell')) continue;
      const now = await this.engine.attempts.currentInputHash(active.spec, active.run, step);
      if (now === step.inputHash) continue;
      const gate = openGate(
        'diverged',
        `step ${step.id}'s inputs changed since it ran: approve to keep its result, deny to run it again`,
        {},
        this.now(),
        undefined,
      );
      await this.progress.gates.waitAtGate(active, step.id, gate);
    }
  }
}
