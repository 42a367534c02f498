// What the workflow engine needs of the rest of tmuxorch: the fleet's use cases (a step's task
// runs on a worker like any other task), git workspaces, the run's files and audit log, a clock.
// The composition root hands over the real ones (FleetController, GitWorkspaces, RunFiles).
import type { AddWorkerInput } from '../workers/new-worker.js';
import type { SendInput } from '../fleet/fleet-controller.js';
import type { TaskResult, WorkerView } from '../contract/views.js';
import type { Clock } from '../ports/clock.js';

export interface WorkflowFleet {
  addWorker(input: AddWorkerInput): Promise<WorkerView>;
  send(input: SendInput): Promise<TaskResult>;
  wait(taskId: string): Promise<TaskResult>;
  cancel(taskId: string): Promise<TaskResult>;
  removeWorker(name: string, options?: { keepPane?: boolean }): Promise<WorkerView>;
  workers(): WorkerView[];
}

export type MergeOutcome =
  | { readonly status: 'merged'; readonly head: string; readonly merged: string[] }
  | {
      readonly status: 'conflict';
      readonly branch: string;
      readonly files: string[];
      readonly merged: string[];
    }
  | {
      readonly status: 'verify_failed';
      readonly branch: string;
      readonly output: string;
      readonly merged: string[];
    };

export interface Workspaces {
  isRepository(dir: string): Promise<boolean>;
  headCommit(project: string): Promise<{ sha: string; branch: string | null; dirty: boolean }>;
  createWorktree(options: {
    project: string;
    path: string;
    branch: string;
    base: string;
  }): Promise<{ path: string; branch: string; base: string }>;
  commitAll(path: string, message: string): Promise<string | null>;
  diff(path: string, base: string): Promise<string>;
  merge(options: {
    project: string;
    path: string;
    branch: string;
    base: string;
    sources: readonly string[];
    verify: ((worktreePath: string) => Promise<{ ok: boolean; output: string }>) | undefined;
  }): Promise<MergeOutcome>;
  advanceBranch(options: { project: string; target: string; to: string }): Promise<void>;
  copyProject(src: string, dest: string): Promise<string>;
  // Removes a worktree and its branch only when the branch is merged into `into` or pushed.
  removeWorktree(options: { project: string; path: string; branch: string; into: string }): Promise<{
    removed: boolean;
    reason: string;
  }>;
}

export interface WorkflowEnvironment {
  readonly fleet: WorkflowFleet;
  readonly workspaces: Workspaces;
  readonly clock: Clock;
  // Takes secrets out of what is written to a run's files.
  readonly redact: (text: string) => string;
}
