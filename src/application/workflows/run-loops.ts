// Loops: a loop runs its steps, iteration after iteration, until its `until` holds; it ends with
// a verdict, never silently: converged, unresolved_at_cap, or no_progress (an iteration failed as
// the one before did). The failure of an iteration is handed to the step that reworks it.
import { evaluateExpression, isTruthy, parseExpression } from '../../domain/workflow/expression.js';
import { instancesOf } from '../../domain/workflow/run-graph.js';
import { iterationSignature, noProgressReason } from '../../domain/workflow/workflow-schedule.js';
import { sha256Text } from '../../infrastructure/fs/sha256.js';
import { resetStep, type LoopVerdict, type StepRecord } from '../../domain/workflow/workflow-run.js';
import type { LoopStepSpec } from '../../domain/workflow/workflow-spec.js';
import { join } from 'node:path';
import { RunContext } from './run-context.js';
import type { ActiveRun } from './workflow-engine.js';
import { RunPart } from './run-part.js';

export class RunLoops extends RunPart {
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
    const places = { runDir: this.engine.files.dir(active.run.id), stepDir: '' };
    const context = await RunContext.forExpression(active.run, loop, places, spec.loop.until);
    const done = isTruthy(
      evaluateExpression(parseExpression(spec.loop.until), {
        resolve: (ref) => context.value(ref),
        needs: members,
      }),
    );
    const signature = iterationSignature(members, await this.patchHashes(active, members));
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
    const stalled = noProgressReason(loop.signatures.at(-1), signature, loop.iteration);
    if (stalled) return end('no_progress', stalled);
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

  // The patches this iteration's editing steps left (patch.diff of their last attempt), hashed.
  private async patchHashes(
    active: ActiveRun,
    members: readonly StepRecord[],
  ): Promise<Record<string, string>> {
    const hashes: Record<string, string> = {};
    for (const member of members) {
      if (member.attempts === 0) continue;
      const dir = this.engine.files.stepDir(active.run.id, member.id, member.attempts);
      const patch = await this.engine.files.readText(join(dir, 'patch.diff'));
      if (patch !== null) hashes[member.id] = sha256Text(patch);
    }
    return hashes;
  }
}
