// The fleet's events: what the controller saw change, as `GET /events` streams them and
// logs/events.ndjson keeps them. Each has a monotonic `id` (it carries on across controller
// restarts: the log's last id is read at start), the time it was seen, a stable `type` and ids
// and statuses only: never a command, a prompt, an output, a reason sentence or an environment
// (any of those may hold a secret).
//
// Types (grep for them as written):
//   task.queued     a task was queued (new, or re-queued after its worker died: attempt > 0)
//   task.started    a task's attempt began running
//   task.finished   a task ended: status, exit code, duration, agent cost
//   worker.state    every worker state change, from → to (`from: null`: a new worker)
//   worker.dead     a worker's pane was found dead (also sent as worker.state … → dead)
//   worker.revived  a worker that had been dead/failed is idle again (after its worker.state)
//   worker.removed  a worker left the fleet (remove-worker)
//   run.state       a workflow run's status changed (`from: null`: first seen by this controller)
//   step.state      a workflow step instance's status changed
//   gate.waiting    a gate (a step's, or the run's own) opened and waits for a decision
//   gate.decided    a waiting gate was approved or denied
//   policy.decision a worker's role decided about a command or tool call (effect and who; not what)
import type { TaskStatus } from '../task.js';
import type { WorkerState } from '../worker.js';
import type { GateRecord, RunStatus, StepStatus } from '../workflow/workflow-run.js';

export interface TaskQueuedEvent {
  readonly type: 'task.queued';
  readonly taskId: string;
  readonly workerId: string;
  readonly worker: string;
  readonly priority: string;
  // Attempts made so far: 0 for a new task, more when it was re-queued.
  readonly attempt: number;
}

export interface TaskStartedEvent {
  readonly type: 'task.started';
  readonly taskId: string;
  readonly workerId: string;
  readonly worker: string;
  readonly attempt: number;
}

export interface TaskFinishedEvent {
  readonly type: 'task.finished';
  readonly taskId: string;
  readonly workerId: string;
  readonly worker: string;
  readonly status: TaskStatus;
  readonly exitCode: number | null;
  readonly durationMs: number | null;
  readonly costUsd: number | null;
}

export interface WorkerStateEvent {
  readonly type: 'worker.state';
  readonly workerId: string;
  readonly worker: string;
  readonly workerType: string;
  readonly from: WorkerState | null;
  readonly to: WorkerState;
  readonly restarts: number;
}

export interface WorkerDeadEvent {
  readonly type: 'worker.dead';
  readonly workerId: string;
  readonly worker: string;
  readonly workerType: string;
  readonly from: WorkerState | null;
  readonly restarts: number;
}

export interface WorkerRevivedEvent {
  readonly type: 'worker.revived';
  readonly workerId: string;
  readonly worker: string;
  readonly workerType: string;
  readonly restarts: number;
}

export interface WorkerRemovedEvent {
  readonly type: 'worker.removed';
  readonly workerId: string;
  readonly worker: string;
  readonly workerType: string;
}

export interface RunStateEvent {
  readonly type: 'run.state';
  readonly runId: string;
  readonly name: string;
  readonly from: RunStatus | null;
  readonly to: RunStatus;
}

export interface StepStateEvent {
  readonly type: 'step.state';
  readonly runId: string;
  // The step instance (`<step>-<n>` for a matrix instance) and the step it is of.
  readonly stepId: string;
  readonly step: string;
  readonly from: StepStatus | null;
  readonly to: StepStatus;
  readonly attempts: number;
  readonly taskId: string | null;
  readonly worker: string | null;
}

export interface GateWaitingEvent {
  readonly type: 'gate.waiting';
  readonly runId: string;
  // null: the run's own gate (a limit reached).
  readonly stepId: string | null;
  readonly kind: GateRecord['kind'];
  readonly timeoutAt: string | null;
}

export interface GateDecidedEvent {
  readonly type: 'gate.decided';
  readonly runId: string;
  readonly stepId: string | null;
  readonly kind: GateRecord['kind'];
  readonly decision: 'approved' | 'denied';
  readonly by: GateRecord['by'];
}

export interface PolicyDecisionFleetEvent {
  readonly type: 'policy.decision';
  readonly workerId: string;
  readonly worker: string;
  readonly role: string;
  readonly runId: string | null;
  readonly stepId: string | null;
  // The kind of request (`bash`, `edit`, `tool Write`, `approval`), never its text.
  readonly what: string;
  readonly effect: 'allow' | 'deny' | 'ask';
  readonly by: 'rules' | 'person' | 'auto';
}

// An event as it is derived, before it is numbered.
export type FleetEventBody =
  | TaskQueuedEvent
  | TaskStartedEvent
  | TaskFinishedEvent
  | WorkerStateEvent
  | WorkerDeadEvent
  | WorkerRevivedEvent
  | WorkerRemovedEvent
  | RunStateEvent
  | StepStateEvent
  | GateWaitingEvent
  | GateDecidedEvent
  | PolicyDecisionFleetEvent;

export type FleetEventType = FleetEventBody['type'];

export const FLEET_EVENT_TYPES: readonly FleetEventType[] = [
  'task.queued',
  'task.started',
  'task.finished',
  'worker.state',
  'worker.dead',
  'worker.revived',
  'worker.removed',
  'run.state',
  'step.state',
  'gate.waiting',
  'gate.decided',
  'policy.decision',
];

// `id` first: the log finds an id at the start of a line without parsing the rest.
export type FleetEvent = { readonly id: number; readonly at: string } & FleetEventBody;

export function numberEvent(id: number, at: string, body: FleetEventBody): FleetEvent {
  return { id, at, ...body };
}

// Whether a parsed line looks like an event (the log's reader skips anything else).
export function isFleetEvent(value: unknown): value is FleetEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { id?: unknown; at?: unknown; type?: unknown };
  return (
    typeof v.id === 'number' &&
    Number.isSafeInteger(v.id) &&
    typeof v.at === 'string' &&
    typeof v.type === 'string' &&
    (FLEET_EVENT_TYPES as readonly string[]).includes(v.type)
  );
}
