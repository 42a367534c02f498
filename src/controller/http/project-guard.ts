// Tokens limited to projects (`token create --projects`): what a request names is resolved to its
// project (a worker's, a task's worker's, a run's) and checked against the token's globs before
// the operation runs; fleet-wide lists are cut down to what the token may see. A glob is matched
// against the project's absolute path, and one without a slash also against its last segment
// (`api` is the project /srv/api).
import { projectMatches } from '../../domain/project-glob.js';
import type { StatusView, TaskResult, WorkerView } from '../../application/contract/views.js';
import type { FleetController } from '../../application/fleet/fleet-controller.js';
import type { TokenView } from '../../infrastructure/service/token-store.js';
import type { BudgetView } from '../../domain/budget/budget-view.js';
import { JobNotFoundError } from '../../domain/errors.js';

// What an operation's input names, for the project check.
export type RouteTarget = 'project' | 'worker' | 'task' | 'run' | 'none';

export function projectAllowed(globs: readonly string[], project: string): boolean {
  if (globs.length === 0) return true;
  return globs.some((glob) => projectMatches(glob, project));
}

function workerProject(fleet: FleetController, ref: string): string | null {
  const worker = fleet.workers().find((w) => w.id === ref) ?? fleet.workers().find((w) => w.name === ref);
  return worker?.project ?? null;
}

// The project a request's input names; null: it names nothing that exists (the operation itself
// then answers not found), 'unknown': something whose project cannot be told (refused).
export async function targetProject(
  fleet: FleetController,
  target: RouteTarget,
  input: Record<string, unknown>,
): Promise<string | null | 'unknown'> {
  const ref = (key: string): string | null => (typeof input[key] === 'string' ? input[key] : null);
  switch (target) {
    case 'none':
      return null;
    case 'project':
      return ref('project') ?? 'unknown';
    case 'worker': {
      const worker = ref('worker');
      return worker === null ? null : workerProject(fleet, worker);
    }
    case 'task': {
      const id = ref('id');
      if (id === null) return null;
      let task: TaskResult;
      try {
        task = await fleet.result(id);
      } catch {
        return null;
      }
      return workerProject(fleet, task.worker) ?? 'unknown';
    }
    case 'run': {
      const id = ref('id');
      if (id === null) return null;
      try {
        return (await fleet.requireWorkflows().status(id)).project;
      } catch {
        return null;
      }
    }
  }
}

// The workflow runs a token may see, by id.
async function visibleRuns(fleet: FleetController, principal: TokenView): Promise<Set<string>> {
  try {
    const runs = await fleet.requireWorkflows().list();
    return new Set(
      runs.filter((run) => projectAllowed(principal.projects, run.project)).map((run) => run.id),
    );
  } catch {
    return new Set();
  }
}

// A fleet-wide answer cut down to the token's projects (as it is for an unlimited token).
export async function filterOutput(
  fleet: FleetController,
  name: string,
  output: unknown,
  principal: TokenView,
): Promise<unknown> {
  if (principal.projects.length === 0) return output;
  const mine = (workers: readonly WorkerView[]): WorkerView[] =>
    workers.filter((worker) => projectAllowed(principal.projects, worker.project));
  if (name === 'list') return mine(output as WorkerView[]);
  if (name === 'status') {
    const status = output as StatusView;
    const workers = mine(status.workers);
    const names = new Set(workers.map((worker) => worker.name));
    const runs = await visibleRuns(fleet, principal);
    return {
      ...status,
      workers,
      tasks: status.tasks.filter((task) => names.has(task.worker)),
      workflows: status.workflows.filter((line) => runs.has(line.id)),
    };
  }
  // Jobs and spend name their projects: only the token's own are shown (a job of another
  // project is not found, as a worker of another project is).
  if (name === 'queueList') {
    const list = output as { jobs: readonly { project: string }[] };
    return { ...list, jobs: list.jobs.filter((job) => projectAllowed(principal.projects, job.project)) };
  }
  if (name === 'queueShow') {
    const job = output as { id: string; project: string };
    if (!projectAllowed(principal.projects, job.project))
      throw new JobNotFoundError(`no job ${job.id}`, { id: job.id });
    return job;
  }
  if (name === 'budget') {
    const view = output as BudgetView;
    const workers = new Set(
      fleet
        .workers()
        .filter((w) => projectAllowed(principal.projects, w.project))
        .map((w) => w.name),
    );
    return {
      ...view,
      projects: view.projects.filter((line) => projectAllowed(principal.projects, line.project)),
      waiting: view.waiting.filter((hold) => workers.has(hold.worker)),
    };
  }
  if (name === 'flowList') {
    const list = output as { runs: readonly { id: string }[] };
    const runs = await visibleRuns(fleet, principal);
    return { ...list, runs: list.runs.filter((run) => runs.has(run.id)) };
  }
  return output;
}
