// What retention must know of a home beyond its files, from whoever owns the home right now: the
// running daemon's own records (its store, engine and queue: prune runs through it, so it never
// races the daemon's writes), or, with no daemon, what its state and job files say (read with the
// home's lock held, so no daemon starts half-way through).
import { join } from 'node:path';
import type { Job } from '../../domain/queue/job.js';
import type { Task } from '../../domain/task.js';
import type { Worker } from '../../domain/worker.js';
import type { Settings } from '../../infrastructure/config/settings.js';
import { GitWorkspaces } from '../../infrastructure/git/git-workspaces.js';
import { readJobFiles, removeEntry } from '../../infrastructure/retention/home-entries.js';
import { StateStore } from '../../infrastructure/state/state-store.js';
import { RunFiles } from '../../infrastructure/workflow/run-files.js';
import type { FleetController } from '../fleet/fleet-controller.js';
import type { Workspaces } from '../workflows/workflow-ports.js';

export interface RetentionSubjects {
  readonly settings: Settings;
  // The fleet's tasks and workers as its state has them (a removed worker is in neither).
  readonly tasks: readonly Task[];
  readonly workers: readonly Worker[];
  readonly jobs: readonly { readonly job: Job; readonly path: string }[];
  readonly runFiles: RunFiles;
  readonly workspaces: Workspaces;
  // A run the engine holds (going, or being resumed): never touched. Asked again just before a
  // run's directory goes.
  isRunActive(id: string): boolean;
  removeTaskFiles(id: string): Promise<void>;
  // false: the job is not finished any more (a retry came first), so it stays.
  removeJob(id: string): Promise<boolean>;
}

// The running fleet's view: the daemon's (or an ephemeral fleet's) records, in memory.
export function fleetSubjects(fleet: FleetController): RetentionSubjects {
  const engine = fleet.requireWorkflows();
  const queue = fleet.requireQueue();
  const { rt } = fleet;
  return {
    settings: rt.settings,
    tasks: rt.store.tasks(),
    workers: rt.store.workers(),
    jobs: queue.list().map((job) => ({ job, path: queue.fileOf(job.id) })),
    runFiles: engine.files,
    workspaces: engine.env.workspaces,
    isRunActive: (id) => engine.activeRuns().some((run) => run.id === id),
    removeTaskFiles: (id) => rt.files.remove(id),
    removeJob: (id) => queue.removeFinished(id),
  };
}

// A home with no daemon: its state (snapshot + journal) and job files, read only. The caller
// holds the home's lock.
export async function offlineSubjects(settings: Settings): Promise<RetentionSubjects> {
  const state = await new StateStore(settings.paths).load(settings.session);
  const jobs = await readJobFiles(join(settings.paths.queueDir, 'jobs'));
  return {
    settings,
    tasks: state.tasks,
    workers: state.workers,
    jobs: jobs.map(({ job, entry }) => ({ job, path: entry.path })),
    runFiles: new RunFiles(settings.paths.flowsDir),
    workspaces: new GitWorkspaces(),
    // No engine holds a run: an unfinished one is told by its run.json.
    isRunActive: () => false,
    removeTaskFiles: (id) => removeEntry(join(settings.paths.tasksDir, id)),
    removeJob: async (id) => {
      const found = jobs.find((j) => j.job.id === id);
      if (found) await removeEntry(found.entry.path);
      return found !== undefined;
    },
  };
}
