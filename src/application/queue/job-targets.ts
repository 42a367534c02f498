// What a job starts (a workflow run or a fleet task, tagged with the job's attempt), how it is
// stopped, and how a daemon that died in between finds it again by that tag.
import { jobTag, type Job, type JobTarget } from '../../domain/queue/job.js';
import { isRunDone } from '../../domain/workflow/workflow-run.js';
import type { FleetController } from '../fleet/fleet-controller.js';
import type { WorkflowEngine } from '../workflows/workflow-engine.js';

export interface TargetDeps {
  readonly fleet: FleetController;
  readonly workflows: WorkflowEngine;
}

export async function launchTarget(deps: TargetDeps, job: Job): Promise<NonNullable<JobTarget>> {
  const tag = jobTag(job);
  if (job.kind === 'workflow') {
    const run = await deps.workflows.start({
      spec: job.spec.document,
      file: job.spec.file,
      project: job.project,
      inputs: { ...job.inputs },
      mode: job.mode,
      keepWorkers: false,
      job: tag,
    });
    return { runId: run.id };
  }
  const task = await deps.fleet.send({ worker: job.spec.worker, command: job.spec.command, tag });
  return { taskId: task.id };
}

// Stops what a running job started (its end, cancelled, is then the job's); errors are ignored.
export async function cancelTarget(deps: TargetDeps, target: NonNullable<JobTarget>): Promise<void> {
  if ('runId' in target) {
    const run = await deps.workflows.status(target.runId).catch(() => null);
    if (run && !isRunDone(run.status)) await deps.workflows.cancel(target.runId).catch(() => undefined);
  } else await deps.fleet.cancel(target.taskId).catch(() => undefined);
}

// What a `running` job without a recorded target started, found by its tag: the target; a run
// created but never made active (the daemon died between the two: `unstarted`); or nothing.
export type Tagged =
  { readonly found: NonNullable<JobTarget> } | { readonly unstarted: string } | { readonly none: true };

export async function findTagged(deps: TargetDeps, job: Job): Promise<Tagged> {
  const tag = jobTag(job);
  if (job.kind === 'workflow') {
    const run = (await deps.workflows.list()).find((r) => r.job === tag);
    if (!run) return { none: true };
    const live = isRunDone(run.status) || deps.workflows.activeRuns().some((r) => r.id === run.id);
    return live ? { found: { runId: run.id } } : { unstarted: run.id };
  }
  const task = deps.fleet.rt.store.tasks().find((t) => t.tag === tag);
  return task ? { found: { taskId: task.id } } : { none: true };
}

export function sameTarget(a: JobTarget, b: NonNullable<JobTarget>): boolean {
  if (!a) return false;
  if ('runId' in a) return 'runId' in b && a.runId === b.runId;
  return 'taskId' in b && a.taskId === b.taskId;
}
