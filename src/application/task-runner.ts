// Runs tasks on workers: per-worker queues ordered by priority then FIFO, one task at a time per
// worker, completion from the end marker in the worker's log, timeouts with Ctrl-C.
//
// A task is on disk as `running` (with the log offset its output starts at) before its command
// is typed, so a controller that dies mid-task finds it again and collects it from the log.
// After Ctrl-C the worker stays busy until its shell answers a ready probe: keys for the next
// task must never reach a program that is still running.
import { EventEmitter } from 'node:events';
import { nanoid } from 'nanoid';
import { TIMEOUT_EXIT_CODE, isTerminal, mayRetry, nextQueuedTask, newTask } from '../domain/task.js';
import { transitionTask, type Task, type TaskRequest, type TaskStatus } from '../domain/task.js';
import { buildSourceLine, buildTaskLine, buildTaskScript } from '../domain/marker.js';
import { isDispatchable, rateLimitedUntil, transitionWorker, type Worker } from '../domain/worker.js';
import type { AgentTasks } from './agent-tasks.js';
import { TaskCompletion } from './task-completion.js';
import type { InteractiveTasks } from './interactive-tasks.js';
import { rotateWorkerLog } from './log-rotation.js';
import { recoverPrompt, type PromptRecoveryDeps } from './prompt-recovery.js';
import type { TaskFiles } from './task-files.js';
import type { TaskEndEvent } from './worker-channel.js';

export type NewTask = TaskRequest;

export interface TaskRunnerDeps extends PromptRecoveryDeps {
  readonly files: TaskFiles;
  readonly agents: AgentTasks;
  readonly interactive: InteractiveTasks;
  // The worker shells' rc file, which defines the one-line task function.
  readonly rcFile: string;
  readonly redact: (workerId: string, text: string) => string;
  // A worker's pane log is rotated (between tasks) once it is larger than this.
  readonly maxLogBytes: number;
}

export interface TaskRunnerEvents {
  finished: [Task];
}

// What a task runs when its stored command or prompt had a secret cut out (memory only).
interface SecretInput {
  readonly command: string;
  readonly prompt: string | null;
}

// What a task that lost its secret says, instead of running a command with `***` in it.
export const SECRET_LOST_REASON =
  'its command held a secret, which is kept in memory only, and the controller restarted before it ran: send it again';

export class TaskRunner extends EventEmitter<TaskRunnerEvents> {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly completion: TaskCompletion;
  private readonly dispatching = new Set<string>();
  private readonly secretInputs = new Map<string, SecretInput>();

  constructor(private readonly deps: TaskRunnerDeps) {
    super();
    this.completion = new TaskCompletion({
      ...deps,
      onFinished: (task) => {
        this.secretInputs.delete(task.id);
        this.emit('finished', task);
      },
    });
  }

  // Queues a task for a worker and starts it if the worker is idle. A command or prompt with a
  // secret in it (a known value, a key's shape, `TOKEN=…`, a URL's password) is stored with the
  // secret cut out; the real text stays in memory for its attempts (retries included).
  async enqueue(input: NewTask): Promise<Task> {
    const { store } = this.deps;
    const id = `t-${nanoid(12).replace(/[^A-Za-z0-9]/g, '0')}`;
    const redact = (text: string): string => this.deps.redact(input.workerId, text);
    const prompt = input.prompt ?? null;
    const stored = { command: redact(input.command), prompt: prompt === null ? null : redact(prompt) };
    const secret = stored.command !== input.command || stored.prompt !== prompt;
    if (secret) this.secretInputs.set(id, { command: input.command, prompt });
    const task = newTask(
      id,
      { ...input, ...stored, ...(secret ? { secretInMemory: true } : {}) },
      store.nextSeq(),
      new Date(),
    );
    store.putTask(task);
    await store.flush();
    this.pump(input.workerId);
    return store.task(task.id) ?? task;
  }

  // Starts the next queued task of a worker if it is idle.
  pump(workerId: string): void {
    if (this.dispatching.has(workerId)) return;
    const { store } = this.deps;
    const worker = store.worker(workerId);
    if (!worker || !isDispatchable(worker)) return;
    const task = nextQueuedTask(store.queuedTasksOf(workerId), workerId);
    if (!task) return;
    const limited = rateLimitedUntil(worker, Date.now());
    if (limited !== null) return this.pumpAt(workerId, limited);
    void this.dispatch(worker, task);
  }

  // A rate-limited agent worker takes its queue up again when the limit resets.
  private pumpAt(workerId: string, atMs: number): void {
    const key = `pump:${workerId}`;
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.pump(workerId);
    }, atMs - Date.now());
    timer.unref();
    this.timers.set(key, timer);
  }

  pumpAll(): void {
    for (const worker of this.deps.store.workers()) this.pump(worker.id);
  }

  // Resolves with the task once it is finished.
  wait(taskId: string): Promise<Task> {
    return this.completion.wait(taskId);
  }

  // Picks up a task that was running when the controller stopped: its channel re-reads the log
  // from the task's offset; its timeout counts from when it really started.
  resume(task: Task): void {
    this.deps.channel(task.workerId)?.expectTask(task.id);
    this.armTimeout(task);
  }

  private async dispatch(worker: Worker, task: Task): Promise<void> {
    const { store, files, server } = this.deps;
    const channel = this.deps.channel(worker.id);
    if (!channel || !worker.paneId) return;
    this.dispatching.add(worker.id);
    let running: Task | null = null;
    try {
      const secretInput = this.secretInputs.get(task.id);
      if (task.secretInMemory && !secretInput) return await this.failSecretLost(worker, task);
      const real = secretInput ? { ...task, ...secretInput } : task;
      // A one-line command is typed whole (no file to write and read back per task); any other
      // goes through a script file. An interactive agent gets its prompt pasted instead.
      const interactive = worker.mode === 'interactive';
      const command = interactive ? (real.prompt ?? real.command) : this.deps.agents.commandFor(worker, real);
      // A command with a secret is never typed (tmux logs send-keys, the tty echoes it): it runs
      // from a script that deletes itself, and is stored redacted.
      const storedCommand = this.deps.redact(worker.id, command);
      const secret = storedCommand !== command;
      const line = interactive
        ? ''
        : ((secret ? null : buildTaskLine(task.id, command, this.deps.rcFile)) ??
          buildSourceLine(files.writeScript(task.id, buildTaskScript(task.id, command), { secret })));
      running = store.putTask(
        transitionTask(task, 'running', {
          command: storedCommand,
          attempts: task.attempts + 1,
          startedAt: new Date().toISOString(),
          // Read so far: at or before the log's end (no stat); re-reading a little is harmless.
          logOffset: channel.position,
        }),
      );
      store.putWorker(transitionWorker(worker, 'busy'));
      if (!interactive) channel.expectTask(task.id);
      await store.flush();
      this.armTimeout(running);
      if (interactive) void this.runInteractive(worker.id, running, real.prompt);
      else await server.pane(worker.paneId).typeLine(line);
    } catch (error) {
      this.deps.logger.warn('dispatch failed', {
        taskId: task.id,
        workerId: worker.id,
        error: String(error),
      });
      if (running)
        this.interrupt(worker.id, `could not type the task into its pane (${String(error)})`, true);
      this.deps.onWorkerStuck(worker.id, 'its pane did not accept keys');
    } finally {
      this.dispatching.delete(worker.id);
      // A fast task can end before its dispatch returns (its pump saw us still dispatching).
      this.pump(worker.id);
    }
  }

  // A task whose secret only the previous controller knew: failed with the reason, nothing typed.
  private async failSecretLost(worker: Worker, task: Task): Promise<void> {
    const started = this.deps.store.putTask(
      transitionTask(task, 'running', { startedAt: new Date().toISOString() }),
    );
    await this.completion.finish(started, 'failed', null, '', '', SECRET_LOST_REASON);
    this.deps.logger.warn('task failed: its secret was lost with a restart', {
      taskId: task.id,
      workerId: worker.id,
    });
  }

  private async runInteractive(workerId: string, task: Task, prompt: string | null): Promise<void> {
    const { store } = this.deps;
    try {
      const o = await this.deps.interactive.run(store.requireWorker(workerId), task, prompt);
      await this.completion.finish(
        task,
        o.status,
        o.exitCode,
        o.output,
        o.raw,
        o.reason,
        new Date(),
        o.agent,
      );
    } catch (error) {
      await this.completion.finish(task, 'failed', null, '', '', String(error));
    }
    const worker = store.worker(workerId);
    if (worker?.state === 'busy') store.putWorker(transitionWorker(worker, 'idle'));
    this.pump(workerId);
  }

  // Ends a running task's turn: Esc for an interactive agent (its runInteractive then returns),
  // else Ctrl-C until the shell answers again.
  private async stopTurn(
    task: Task,
    status: TaskStatus,
    exitCode: number | null,
    reason: string,
  ): Promise<void> {
    this.deps.channel(task.workerId)?.forget(task.id);
    const worker = this.deps.store.worker(task.workerId);
    if (worker?.mode === 'interactive') await this.deps.interactive.interrupt(worker).catch(() => undefined);
    await this.completion.partial(task, status, exitCode, reason);
    if (worker?.mode !== 'interactive')
      void recoverPrompt(this.deps, task.workerId, () => this.pump(task.workerId));
  }

  // Called by a worker's channel when an end marker arrives.
  handleEnd(workerId: string, event: TaskEndEvent): void {
    const task = this.deps.store.task(event.taskId);
    if (!task || task.status !== 'running' || task.workerId !== workerId) return;
    this.clearTimer(task.id);
    const output = this.deps.redact(workerId, event.output);
    const raw = this.deps.redact(workerId, event.rawOutput);
    void this.completion.collected(task, event.exitCode, event.endedAtMs, output, raw).then(async () => {
      const idle = this.deps.store.worker(workerId);
      await rotateWorkerLog(workerId, idle?.paneId ?? null, this.deps.channel(workerId), this.deps);
      const worker = this.deps.store.worker(workerId);
      if (worker?.state === 'busy') this.deps.store.putWorker(transitionWorker(worker, 'idle'));
      this.pump(workerId);
    });
  }

  // The running task of a worker whose pane died: re-queued while retries allow, else lost.
  interrupt(workerId: string, reason: string, forceRetry = false): void {
    const task = this.runningTaskOf(workerId);
    if (!task) return;
    this.clearTimer(task.id);
    this.deps.channel(workerId)?.forget(task.id);
    this.deps.agents.abandon(task);
    if (forceRetry || mayRetry(task)) {
      this.deps.store.putTask(
        transitionTask(task, 'queued', {
          reason: `attempt ${task.attempts} interrupted: ${reason}`,
          startedAt: null,
        }),
      );
      this.deps.store.flushSoon();
      return;
    }
    void this.completion.partial(task, 'lost', null, `${reason}; no retries left`);
  }

  // Cancels a queued task, or interrupts a running one with Ctrl-C.
  async cancel(taskId: string): Promise<Task> {
    const task = this.deps.store.requireTask(taskId);
    if (isTerminal(task.status)) return task;
    if (task.status === 'queued') {
      await this.completion.finish(task, 'cancelled', null, '', '', 'cancelled before it started');
      return this.deps.store.requireTask(taskId);
    }
    this.clearTimer(task.id);
    await this.stopTurn(task, 'cancelled', null, 'cancelled while running');
    return this.deps.store.requireTask(taskId);
  }

  runningTaskOf(workerId: string): Task | undefined {
    for (const task of this.deps.store.taskValues()) {
      if (task.workerId === workerId && task.status === 'running') return task;
    }
    return undefined;
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private armTimeout(task: Task): void {
    if (task.timeoutMs === null || !task.startedAt) return;
    const remaining = Math.max(0, Date.parse(task.startedAt) + task.timeoutMs - Date.now());
    const timer = setTimeout(() => void this.onTimeout(task.id), remaining);
    this.timers.set(task.id, timer);
  }

  private clearTimer(taskId: string): void {
    const timer = this.timers.get(taskId);
    if (timer) clearTimeout(timer);
    this.timers.delete(taskId);
  }

  private async onTimeout(taskId: string): Promise<void> {
    this.timers.delete(taskId);
    const task = this.deps.store.task(taskId);
    if (!task || task.status !== 'running') return;
    const seconds = ((task.timeoutMs ?? 0) / 1000).toFixed(1);
    await this.stopTurn(task, 'timed_out', TIMEOUT_EXIT_CODE, `timed out after ${seconds} s`);
  }
}
