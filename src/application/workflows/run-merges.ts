// The merge step as the run sees it (merge-step.ts does the git part): started in the background,
// stopped at a conflict or a failing verify naming the branch, and, once merged, the target branch
// moved at once (auto mode) or after a person approves it (manual mode).
import { type StepRecord } from '../../domain/workflow/workflow-run.js';
import { openGate } from './gates.js';
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';
import { RunPart } from './run-part.js';

export class RunMerges extends RunPart {
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
          this.progress.failures.failed(
            active,
            step.id,
            error instanceof Error ? error.message : String(error),
          ),
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
      return this.progress.failures.failed(
        active,
        id,
        `merging ${outcome.branch} conflicts (${outcome.files.join(', ')}); merged before it: ${outcome.merged.join(', ') || 'none'}`,
      );
    if (outcome.status === 'verify_failed') {
      await this.engine.updateStep(active, id, (s) => ({ ...s, outputTail: outcome.output.slice(-4_000) }));
      return this.progress.failures.failed(active, id, `verify failed after merging ${outcome.branch}`);
    }
    const summary = `merged ${outcome.merged.join(', ') || 'nothing'} into ${result.branch} (${outcome.head.slice(0, 12)})`;
    await this.engine.updateStep(active, id, (s) => ({ ...s, summary }));
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
        { move: { branch: result.target, head: outcome.head } },
      );
      await this.progress.gates.waitAtGate(active, id, gate);
      return;
    }
    await this.moveTarget(active, id, result.target, outcome.head, summary);
  }

  async moveTarget(
    active: ActiveRun,
    id: string,
    target: string,
    head: string,
    summary: string,
  ): Promise<void> {
    try {
      await this.engine.merges.advance(active.run, target, head);
    } catch (error) {
      // The target moved meanwhile, or its worktree has changes: the step fails saying so, and
      // `flow resume` merges again onto the target as it is then.
      const why = error instanceof Error ? error.message : String(error);
      await this.engine.audit(active, { event: 'branch_not_moved', step: id, branch: target, reason: why });
      return this.progress.failures.failed(active, id, why);
    }
    await this.engine.audit(active, { event: 'branch_moved', step: id, branch: target, to: head });
    await this.progress.succeeded(active, id, { summary: `${summary}; ${target} moved to it` });
  }

  // approve / deny: the step's gate named, or the one waiting (the run's own first).
}
