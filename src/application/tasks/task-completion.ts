// How a task ends: its output written, its final status saved, whoever waits on it told. From its
// end marker (with the agent's verdict for an agent task), from what the log holds when it is cut
// short (timeout, cancel, lost), or from an interactive agent's turn.
import type { AgentResult } from '../../domain/agents/agent-output.js';
import { isTerminal, statusForExit, transitionTask, type Task, type TaskStatus } from '../../domain/task.js';
import { partialRawOutput, type OutputRenderer } from '../../domain/task-output.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { AgentTasks } from '../agents/agent-tasks.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import type { TaskFilesPort } from '../ports/files.js';
import type { TaskEndEvent, WorkerChannel } from '../workers/worker-channel.js';
import { SECRET_LOST_REASON } from './secret-inputs.js';
import type { InteractiveOutcome } from '../agents/interactive-tasks.js';

export interface TaskCompletionDeps {
  readonly store: FleetStore;
  readonly files: TaskFilesPort;
  readonly agents: AgentTasks;
  readonly logger: Logger;
  readonly channel: (workerId: string) => WorkerChannel | undefined;
  readonly redact: (workerId: string, text: string) => string;
  // Turns a task's raw output into what a person saw on its pane (the `output` stored).
  readonly renderer: OutputRenderer;
  readonly onFinished: (task: Task) => void;
}

// How a task ended: what `finish` records (no output: an empty one; no raw bytes: the output).
export interface TaskEnding {
  readonly status: TaskStatus;
  readonly exitCode?: number | null;
  readonly output?: string;
  readonly raw?: string;
  readonly reason?: string | null;
  readonly finishedAt?: Date;
  readonly agent?: AgentResult | null;
}

// What an end marker told, the output already rendered and redacted.
interface MarkerEnd {
  readonly exitCode: number;
  readonly endedAtMs: number | null;
  readonly output: string;
  readonly raw: string;
}

export class TaskCompletion {
  private readonly waiters = new Map<string, Array<(task: Task) => void>>();

  constructor(private readonly deps: TaskCompletionDeps) {}

  // Resolves with the task once it is finished, or after `timeoutMs` with the task as it is then
  // (its waiter removed: a client polling a long task with bounded waits leaves nothing behind).
  wait(taskId: string, timeoutMs?: number): Promise<Task> {
    const task = this.deps.store.requireTask(taskId);
    if (isTerminal(task.status)) return Promise.resolve(task);
    return new Promise((resolve) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              const left = (this.waiters.get(taskId) ?? []).filter((w) => w !== waiter);
              if (left.length > 0) this.waiters.set(taskId, left);
              else this.waiters.delete(taskId);
              resolve(this.deps.store.task(taskId) ?? task);
            }, timeoutMs);
      const waiter = (done: Task): void => {
        clearTimeout(timer);
        resolve(done);
      };
      const list = this.waiters.get(taskId) ?? [];
      list.push(waiter);
      this.waiters.set(taskId, list);
    });
  }

  // A task seen ending by its marker, finished at the time its shell printed in the marker: a task
  // that ended while no controller watched gets its true finish time, not when it was collected.
  async collected(task: Task, seen: MarkerEnd): Promise<void> {
    const { exitCode, endedAtMs, output, raw } = seen;
    const startedMs = task.startedAt ? Date.parse(task.startedAt) : 0;
    const ended = endedAtMs === null ? null : Math.round(endedAtMs);
    const finishedAt = ended !== null && ended >= startedMs ? new Date(ended) : new Date();
    if (task.prompt === null) {
      return this.finish(task, { status: statusForExit(exitCode), exitCode, output, raw, finishedAt });
    }
    const settled = await this.deps.agents.settle(task, exitCode, output);
    await this.finish(task, {
      status: settled.status,
      exitCode,
      output,
      raw,
      reason: settled.reason,
      finishedAt,
      agent: settled.agent,
    });
  }

  // A task's end marker as its channel read it (markers are found in the raw bytes; only then is
  // the output rendered), the output redacted before anything stores it.
  async fromMarker(task: Task, event: TaskEndEvent): Promise<void> {
    const output = this.deps.redact(task.workerId, await this.deps.renderer.render(event.rawOutput));
    const raw = this.deps.redact(task.workerId, event.rawOutput);
    return this.collected(task, { exitCode: event.exitCode, endedAtMs: event.endedAtMs, output, raw });
  }

  // A task the pane log shows ended while the state did not know (a lost journal line, a
  // restored backup): it ran, so a queued one counts the attempt it made.
  fromLog(task: Task, event: TaskEndEvent): Promise<void> {
    const ran =
      task.status === 'queued'
        ? this.deps.store.putTask(
            transitionTask(task, 'running', {
              attempts: task.attempts + 1,
              startedAt: task.startedAt ?? task.createdAt,
            }),
          )
        : task;
    return this.fromMarker(ran, event);
  }

  // An interactive agent's turn, as its screen and hooks told it.
  fromTurn(task: Task, o: InteractiveOutcome): Promise<void> {
    return this.finish(task, o);
  }

  // A task whose secret only the previous controller knew: failed with the reason, nothing typed.
  async secretLost(task: Task): Promise<void> {
    const started = this.deps.store.putTask(
      transitionTask(task, 'running', { startedAt: new Date().toISOString() }),
    );
    await this.finish(started, { status: 'failed', reason: SECRET_LOST_REASON });
    this.deps.logger.warn('task failed: its secret was lost with a restart', {
      taskId: task.id,
      workerId: task.workerId,
    });
  }

  async partial(task: Task, status: TaskStatus, exitCode: number | null, reason: string): Promise<void> {
    this.deps.agents.abandon(task);
    const channel = this.deps.channel(task.workerId);
    let output = '';
    let raw = '';
    if (channel && task.logOffset !== null) {
      const log = await this.deps.files.readFrom(channel.logFile, task.logOffset);
      const partial = partialRawOutput(log, task.id);
      output = this.deps.redact(task.workerId, await this.deps.renderer.render(partial));
      raw = this.deps.redact(task.workerId, partial);
    }
    await this.finish(task, { status, exitCode, output, raw, reason });
  }

  async finish(task: Task, ending: TaskEnding): Promise<void> {
    const { status, exitCode = null, output = '', raw = output, reason = null, agent = null } = ending;
    const finishedAt = ending.finishedAt ?? new Date();
    // A task ended already (a timeout won the race) keeps the output it ended with.
    const before = this.deps.store.task(task.id);
    if (!before || isTerminal(before.status)) return;
    await this.deps.files.writeOutput(task.id, output, raw);
    const current = this.deps.store.task(task.id);
    if (!current || isTerminal(current.status)) return;
    const done = this.deps.store.putTask(
      transitionTask(current, status, { exitCode, finishedAt: finishedAt.toISOString(), reason, agent }),
    );
    this.deps.store.flushSoon();
    this.deps.logger.info('task finished', { taskId: done.id, workerId: done.workerId, status, exitCode });
    const waiters = this.waiters.get(done.id) ?? [];
    this.waiters.delete(done.id);
    // Waiters hear once the work queued in this turn is done: the runner sets the worker idle in
    // its continuation of fromMarker (a turn of promises later once the output was rendered), and
    // whoever waited may read the worker's state at once (`send --wait`, then `status`).
    if (waiters.length > 0) setImmediate(() => waiters.forEach((resolve) => resolve(done)));
    this.deps.onFinished(done);
  }
}
