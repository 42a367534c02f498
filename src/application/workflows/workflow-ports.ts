// What the workflow engine needs of the rest of tmuxorch: the fleet's use cases (a step's task
// runs on a worker like any other task), git workspaces, the run's files and audit log, a clock.
// The composition root hands over the real ones (FleetController, GitWorkspaces, RunFiles).
import type { AddWorkerInput } from '../workers/new-worker.js';
import type { SendInput } from '../fleet/fleet-controller.js';
import type { TaskResult, WorkerView } from '../contract/views.js';
import type { Clock } from '../ports/clock.js';
import type { GitWorkspaces } from '../../infrastructure/git/git-workspaces.js';

export interface WorkflowFleet {
  addWorker(input: AddWorkerInput): Promise<WorkerView>;
  send(input: SendInput): Promise<TaskResult>;
  wait(taskId: string): Promise<TaskResult>;
  cancel(taskId: string): Promise<TaskResult>;
  removeWorker(name: string, options?: { keepPane?: boolean }): Promise<WorkerView>;
  workers(): WorkerView[];
}

// The git operations a run uses (infrastructure/git/git-workspaces.ts has them all).
export type Workspaces = Pick<
  GitWorkspaces,
  | 'isRepository'
  | 'headCommit'
  | 'branchTip'
  | 'createWorktree'
  | 'commitAll'
  | 'diff'
  | 'merge'
  | 'advanceBranch'
  | 'copyProject'
  | 'removeWorktree'
>;
export type { MergeOutcome } from '../../infrastructure/git/git-workspaces.js';

export interface WorkflowEnvironment {
  readonly fleet: WorkflowFleet;
  readonly workspaces: Workspaces;
  readonly clock: Clock;
  // Takes secrets out of what is written to a run's files.
  readonly redact: (text: string) => string;
}
