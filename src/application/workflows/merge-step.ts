// The merge step: the listed steps' branches merged one at a time onto the run's integration
// branch, in a worktree of its own (never a branch another worktree holds), its `verify` command
// run after each merge as a task in the integrator's window; the first conflict or failing verify
// stops it, naming the branch. The target branch moves only after every merge verified (in manual
// mode only after a gate), and only as a fast-forward.
import { instancesOf } from '../../domain/workflow/run-graph.js';
import type { RunRecord, StepRecord } from '../../domain/workflow/workflow-run.js';
import type { MergeStepSpec, WorkflowSpec } from '../../domain/workflow/workflow-spec.js';
import type { RunFiles } from '../../infrastructure/workflow/run-files.js';
import { RunContext } from './run-context.js';
import { workerName } from './step-attempts.js';
import type { MergeOutcome, WorkflowEnvironment } from './workflow-ports.js';

export interface MergeResult {
  readonly outcome: MergeOutcome;
  readonly branch: string;
  readonly path: string;
  readonly target: string | null;
  readonly sources: readonly string[];
}

export class MergeSteps {
  constructor(
    private readonly env: WorkflowEnvironment,
    private readonly files: RunFiles,
  ) {}

  async merge(spec: WorkflowSpec, run: RunRecord, step: StepRecord): Promise<MergeResult> {
    const mergeSpec = spec.steps[step.stepId] as MergeStepSpec;
    if (!run.base.sha) throw new Error(`${run.project} is not a git repository: nothing to merge`);
    const sources = mergeSpec.merge.steps
      .flatMap((id) => instancesOf(run.steps, id))
      .filter((s) => s.status === 'succeeded' && s.workspace?.branch)
      .map((s) => s.workspace?.branch ?? '');
    // Each attempt merges onto the target as it is now (it may have moved since the run began), on
    // an integration branch and worktree of its own. `_` cannot start a step id: no step's branch
    // can be named like it.
    const target = mergeSpec.merge.into ?? run.base.branch;
    const tip = target ? await this.env.workspaces.branchTip(run.project, target) : null;
    const suffix = step.attempts > 1 ? `-${step.attempts}` : '';
    const path = `${this.files.worktreeDir(run.id, step.id)}${suffix}`;
    const branch = `tmuxorch/${run.id}/_integration${suffix}`;
    const stepDir = await this.files.makeStepDir(run.id, step.id, step.attempts);
    const verifyTemplate = mergeSpec.merge.verify;
    const verify = verifyTemplate
      ? async (worktree: string) => {
          const context = await RunContext.for(run, step, { runDir: this.files.dir(run.id), stepDir }, [
            verifyTemplate,
          ]);
          const verified = await this.runVerify(
            run,
            step,
            worktree,
            context.render(verifyTemplate),
            mergeSpec.timeout,
          );
          await this.files.appendStepFile(stepDir, 'raw_output.txt', verified.output);
          return verified;
        }
      : undefined;
    const outcome = await this.env.workspaces.merge({
      project: run.project,
      path,
      branch,
      base: tip ?? run.base.sha,
      sources,
      verify,
    });
    return { outcome, branch, path, target, sources };
  }

  // Moves the target branch to the integration result (a fast-forward, or a refusal saying why).
  async advance(run: RunRecord, target: string, to: string): Promise<void> {
    await this.env.workspaces.advanceBranch({ project: run.project, target, to });
  }

  private async runVerify(
    run: RunRecord,
    step: StepRecord,
    worktree: string,
    command: string,
    timeoutMs: number | undefined,
  ): Promise<{ ok: boolean; output: string }> {
    const name = workerName(run, step);
    if (!this.env.fleet.workers().some((w) => w.name === name && w.state !== 'stopped')) {
      await this.env.fleet.addWorker({
        type: 'shell',
        project: worktree,
        name,
        env: { TMUXORCH_RUN_ID: run.id },
      });
    }
    const sent = await this.env.fleet.send({ worker: name, command, timeoutMs: timeoutMs ?? null });
    const result = await this.env.fleet.wait(sent.id);
    return { ok: result.status === 'succeeded', output: result.output ?? '' };
  }
}
