// The machine-output contract (`result --json`, `status --json`): stable field names that
// scripts parse. Add fields, never rename or remove one.
import { durationMs, type Task } from '../domain/task.js';
import type { Worker } from '../domain/worker.js';

export interface TaskResult {
  readonly id: string;
  readonly worker: string;
  readonly status: Task['status'];
  readonly exitCode: number | null;
  readonly output: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly command: string;
  readonly priority: Task['priority'];
  readonly attempts: number;
  readonly reason: string | null;
}

export interface WorkerView {
  readonly id: string;
  readonly name: string;
  readonly type: Worker['type'];
  readonly project: string;
  readonly state: Worker['state'];
  readonly paneId: string | null;
  readonly restarts: number;
  readonly lastError: string | null;
  readonly queued: number;
  readonly runningTask: string | null;
}

export interface DaemonView {
  readonly pid: number;
  readonly uptimeMs: number;
  readonly socket: string;
  readonly session: string;
  readonly home: string;
  readonly tmuxSocket: string | null;
  readonly version: string;
}

export interface StatusView {
  readonly daemon: DaemonView;
  readonly workers: readonly WorkerView[];
  readonly tasks: readonly TaskResult[];
}

export function toTaskResult(task: Task, output: string | null): TaskResult {
  return {
    id: task.id,
    worker: task.workerName,
    status: task.status,
    exitCode: task.exitCode,
    output,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
    durationMs: durationMs(task),
    command: task.command,
    priority: task.priority,
    attempts: task.attempts,
    reason: task.reason,
  };
}

export function toWorkerView(worker: Worker, tasks: readonly Task[]): WorkerView {
  const mine = tasks.filter((t) => t.workerId === worker.id);
  return {
    id: worker.id,
    name: worker.name,
    type: worker.type,
    project: worker.project,
    state: worker.state,
    paneId: worker.paneId,
    restarts: worker.restarts,
    lastError: worker.lastError,
    queued: mine.filter((t) => t.status === 'queued').length,
    runningTask: mine.find((t) => t.status === 'running')?.id ?? null,
  };
}
