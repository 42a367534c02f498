// A run's gates: a step's own opened with the hashes of what it shows (passed at once in auto mode
// unless required, denied when its timeout passes), and a decision on a waiting gate, a person's,
// auto mode's or a timeout's: the run's limit gate, a
// step's own gate, a failed step asking (ask_human), a merge waiting to move its branch. A person's
// approval holds only for what the gate showed: a changed artifact is shown again instead.
import { UsageError } from '../../domain/errors.js';
import { resetStep, type GateRecord, type StepRecord } from '../../domain/workflow/workflow-run.js';
import type { GateStepSpec } from '../../domain/workflow/workflow-spec.js';
import { RunContext } from './run-context.js';
import { autoPasses, changedSince, decideGate, hashAll, openGate, shownPaths } from './gates.js';
import type { ActiveRun } from './workflow-engine.js';
import { RunPart } from './run-part.js';

export class RunGates extends RunPart {
  async decideGate(
    active: ActiveRun,
    stepId: string | undefined,
    approved: boolean,
    note: string | null,
    by: 'person' | 'auto' | 'timeout',
  ): Promise<void> {
    if (stepId === undefined && active.run.gate?.state === 'waiting') {
      const gate = decideGate(active.run.gate, approved, by, note, this.now());
      const approvals =
        approved && gate.limit ? [...active.run.limitApprovals, gate.limit] : active.run.limitApprovals;
      await this.engine.save(active, { ...active.run, gate, limitApprovals: approvals });
      await this.engine.audit(active, {
        event: approved ? 'gate_approved' : 'gate_denied',
        kind: 'limit',
        note,
        by,
      });
      if (!approved)
        await this.progress.failures.cancel(active, `denied at the limit gate${note ? `: ${note}` : ''}`);
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
      // A gate cannot pass what is not there to look at.
      const missing = Object.entries(await hashAll(Object.keys(gate.hashes)))
        .filter(([, hash]) => hash === 'missing')
        .map(([path]) => path);
      if (missing.length > 0)
        throw new UsageError(
          `${missing.join(', ')} is missing: step ${step.id}'s gate cannot pass without it (deny it)`,
        );
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
    if (gate.kind === 'diverged') {
      if (approved) await this.engine.updateStep(active, step.id, (s) => ({ ...s, status: 'succeeded' }));
      else await this.engine.updateStep(active, step.id, (s) => resetStep(s, { gate: decided }));
      return;
    }
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
      if (approved && gate.move)
        return this.progress.merges.moveTarget(
          active,
          step.id,
          gate.move.branch,
          gate.move.head,
          step.summary ?? 'merged',
        );
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

  async openStepGate(active: ActiveRun, step: StepRecord, spec: GateStepSpec): Promise<void> {
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
    if (autoPasses(active.run.mode, spec)) await this.decideGate(active, step.id, true, 'auto mode', 'auto');
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
            await this.decideGate(active, id, false, 'the gate timed out', 'timeout');
        });
      }, delay),
    );
  }
}
