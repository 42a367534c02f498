// What the workflow engine needs of the rest of tmuxorch: the fleet's use cases (a step's task
// runs on a worker like any other task), git workspaces, the run's files and audit log, a clock.
// The composition root hands over the real ones (FleetController, GitWorkspaces, RunFiles).
import type { PolicyDecisionEvent } from '../policy/policy-gate.js';
import type { AddWorkerInput } from '../workers/new-worker.js';
import type { SendInput } from '../fleet/fleet-controller.js';
import type { TaskResult, WorkerView } from '../contract/views.js';
import type { Clock } from '../ports/clock.js';
import type { RoleRegistry } from '../../domain/policy/role-registry.js';
import type { GitWorkspaces } from '../../infrastructure/git/git-workspaces.js';

export interface WorkflowFleet {
  addWorker(input: AddWorkerInput): Promise<WorkerView>;
  send(input: SendInput): Promise<TaskResult>;
  wait(taskId: string): Promise<TaskResult>;
  cancel(taskId: string): Promise<TaskResult>;
  removeWorker(name: string, options?: { keepPane?: boolean }): Promise<WorkerView>;
  workers(): WorkerView[];
  // The command a git hook runs to ask the step's worker's role (and a person) about a push.
  askCommand(workerName: string): string | null;
  // A person's answer to what a worker waits on (its role asked).
  answer(workerName: string, approve: boolean): Promise<WorkerView>;
  // Every policy decision about the fleet's workers (the engine audits its runs').
  onPolicyDecision(listener: (event: PolicyDecisionEvent) => void): void;
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
  | 'changedPaths'
  | 'ignoredFiles'
>;
export type { MergeOutcome } from '../../infrastructure/git/git-workspaces.js';

export interface WorkflowEnvironment {
  readonly fleet: WorkflowFleet;
  readonly workspaces: Workspaces;
  readonly clock: Clock;
  // The fleet's roles (built in and config.json's), the base of a workflow's own.
  readonly roles: RoleRegistry;
  // The fleet's environment: secret-named values in it are looked for in what a step left.
  readonly secretEnv: Readonly<Record<string, string | undefined>>;
  // Takes secrets out of what is written to a run's files.
  readonly redact: (text: string) => string;
}
