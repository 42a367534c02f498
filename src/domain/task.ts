// The Task entity and its state machine.
//
//   queued ──► running ──► succeeded | failed | timed_out | cancelled | lost | unsubmitted
//     │           └──────► queued            (re-queued after its worker died, while retries allow)
//     └──► cancelled | denied   (denied: its worker's role refused it before it was typed)
import type { AgentResult } from './agents/agent-output.js';
import { assertTransition, type TransitionTable } from './transition.js';

export const TASK_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'lost',
  // An interactive agent never took the pasted task (Enter pressed again, still in its input box).
  'unsubmitted',
  // Its worker's role does not allow the command (or a person denied what the role asks about):
  // it was never typed.
  'denied',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

// Where a task ends: every status but the two it passes through.
export const TERMINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(
  TASK_STATUSES.filter((status) => status !== 'queued' && status !== 'running'),
);

export const TASK_PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

// Higher runs first.
export const PRIORITY_RANK: Readonly<Record<TaskPriority, number>> = {
  critical: 3,
  high: 2,
  normal: 1,
  low: 0,
};

// The exit code a timed-out task reports, as GNU timeout(1) does.
export const TIMEOUT_EXIT_CODE = 124;

export interface Task {
  readonly id: string;
  readonly workerId: string;
  // Kept so a result still names its worker after the worker was removed.
  readonly workerName: string;
  readonly command: string;
  readonly priority: TaskPriority;
  readonly timeoutMs: number | null;
  readonly maxRetries: number;
  // Monotonic enqueue order: FIFO among equal priorities, stable across restarts.
  readonly seq: number;
  readonly createdAt: string;
  readonly status: TaskStatus;
  readonly attempts: number;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly exitCode: number | null;
  // Byte offset in the worker's pane log where this attempt's output starts.
  readonly logOffset: number | null;
  readonly reason: string | null;
  // An agent task: what was asked (`command` is then the agent invocation, set when it starts).
  readonly prompt: string | null;
  // An agent task's result as the CLI reported it.
  readonly agent: AgentResult | null;
  // Its command or prompt held a secret: what is stored has it cut out (`***`), and the text to
  // run lives only in the controller's memory (a restarted controller cannot run it again).
  readonly secretInMemory?: boolean | undefined;
  // Who asked for it, when that is not a person (a queue job: `<job-id>:<attempt>`), so it can be
  // found by it.
  readonly tag?: string | undefined;
}

const ALLOWED: TransitionTable<TaskStatus> = {
  queued: ['running', 'cancelled', 'lost', 'denied'],
  running: ['succeeded', 'failed', 'timed_out', 'cancelled', 'lost', 'queued', 'unsubmitted'],
  succeeded: [],
  unsubmitted: [],
  denied: [],
  failed: [],
  timed_out: [],
  cancelled: [],
  lost: [],
};

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.has(status);
}

export function canTransitionTask(from: TaskStatus, to: TaskStatus): boolean {
  return ALLOWED[from].includes(to);
}

// Returns the task in its new status, or throws INVALID_TRANSITION.
export function transitionTask(
  task: Task,
  to: TaskStatus,
  changes: Partial<Omit<Task, 'id' | 'status'>> = {},
): Task {
  assertTransition(ALLOWED, task.status, to, `task ${task.id}`, { taskId: task.id });
  return { ...task, ...changes, status: to };
}

// The status a finished attempt ends in, from its exit code.
export function statusForExit(exitCode: number): Extract<TaskStatus, 'succeeded' | 'failed'> {
  return exitCode === 0 ? 'succeeded' : 'failed';
}

// Orders queued tasks: higher priority first, then FIFO by `seq`.
export function compareQueued(a: Pick<Task, 'priority' | 'seq'>, b: Pick<Task, 'priority' | 'seq'>): number {
  return PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || a.seq - b.seq;
}

// The next task a worker should run, or undefined.
export function nextQueuedTask(tasks: Iterable<Task>, workerId: string): Task | undefined {
  let best: Task | undefined;
  for (const task of tasks) {
    if (task.workerId !== workerId || task.status !== 'queued') continue;
    if (!best || compareQueued(task, best) < 0) best = task;
  }
  return best;
}

// Whether a task interrupted by its worker's death may run again.
export function mayRetry(task: Pick<Task, 'attempts' | 'maxRetries'>): boolean {
  return task.attempts <= task.maxRetries;
}

// Wall time of a finished attempt, or null.
export function durationMs(task: Pick<Task, 'startedAt' | 'finishedAt'>): number | null {
  if (!task.startedAt || !task.finishedAt) return null;
  return Date.parse(task.finishedAt) - Date.parse(task.startedAt);
}

// What a caller asks for when it queues a task.
export interface TaskRequest {
  readonly workerId: string;
  readonly workerName: string;
  readonly command: string;
  readonly prompt?: string | null | undefined;
  readonly priority?: TaskPriority | undefined;
  readonly timeoutMs?: number | null | undefined;
  readonly retries?: number | undefined;
  readonly secretInMemory?: boolean | undefined;
  readonly tag?: string | undefined;
}

// A new queued task; `seq` orders it FIFO among its priority.
export function newTask(id: string, request: TaskRequest, seq: number, now: Date): Task {
  return {
    id,
    workerId: request.workerId,
    workerName: request.workerName,
    command: request.command,
    priority: request.priority ?? 'normal',
    timeoutMs: request.timeoutMs ?? null,
    maxRetries: request.retries ?? 0,
    seq,
    createdAt: now.toISOString(),
    status: 'queued',
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    logOffset: null,
    reason: null,
    prompt: request.prompt ?? null,
    agent: null,
    ...(request.secretInMemory ? { secretInMemory: true } : {}),
    ...(request.tag === undefined ? {} : { tag: request.tag }),
  };
}
