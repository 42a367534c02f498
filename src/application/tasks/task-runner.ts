// Runs tasks on workers: per-worker queues ordered by priority then FIFO, one task at a time per
// worker, completion from the end marker in the worker's log, timeouts with Ctrl-C.
//
// A task is on disk as `running` (with the log offset its output starts at) before its command
// is typed, so a controller that dies mid-task finds it again and collects it from the log.
// After Ctrl-C the worker stays busy until its shell answers a ready probe: keys for the next
// task must never reach a program that is still running.
//
// Typing that timed out has an unknown outcome (a frozen tmux server runs it once it wakes): the
// task stays `running` and its worker busy until tmux answers again, then the log tells whether
// the task began. A timeout never makes the worker dead. At shutdown dispatching stops first
// and every dispatch in flight ends (its task saved as running) before the final snapshot.
import { EventEmitter } from 'node:events';
import { nanoid } from 'nanoid';
import { TIMEOUT_EXIT_CODE, isTerminal, mayRetry, nextQueuedTask, newTask } from '../../domain/task.js';
import { transitionTask, type Task, type TaskRequest, type TaskStatus } from '../../domain/task.js';
import { isDispatchable, rateLimitedUntil, transitionWorker, type Worker } from '../../domain/worker.js';
import type { AgentTasks } from '../agents/agent-tasks.js';
import { TaskCompletion } from './task-completion.js';
import type { InteractiveTasks } from '../agents/interactive-tasks.js';
import { rotateWorkerLog } from './log-rotation.js';
import { recoverPrompt, type PromptRecoveryDeps } from './prompt-recovery.js';
import type { TaskFilesPort } from '../ports/files.js';
import type { TaskEndEvent } from '../workers/worker-channel.js';
import type { OutputRenderer } from '../../domain/task-output.js';
import { SecretInputs } from './secret-inputs.js';
import { TaskTimers } from './task-timers.js';
import { typedTask } from './typed-task.js';
import { afterTimedOutTyping } from './timed-out-typing.js';
import { isTmuxTimeout } from '../fleet/tmux-outcome.js';
import type { PolicyGate } from '../policy/policy-gate.js';
import type { BudgetGate } from '../budget/budget-gate.js';

export type NewTask = TaskRequest;

export interface TaskRunnerDeps extends PromptRecoveryDeps {
  readonly files: TaskFilesPort;
  readonly agents: AgentTasks;
  readonly interactive: InteractiveTasks;
  // The worker shells' rc file, which defines the one-line task function.
  readonly rcFile: string;
  readonly redact: (workerId: string, text: string) => string;
  // Turns a task's raw output into what a person saw on its pane.
  readonly renderer: OutputRenderer;
  // A worker's pane log is rotated (between tasks) once it is larger than this.
  readonly maxLogBytes: number;
  // The worker's role, checked on each command before it is typed.
  readonly policy: PolicyGate;
  // The daily budget, checked on each agent task before it is typed.
  readonly budget: BudgetGate;
}

export interface TaskRunnerEvents {
  finished: [Task];
}

export class TaskRunner extends EventEmitter<TaskRunnerEvents> {
  private readonly timers = new TaskTimers();
  private readonly completion: TaskCompletion;
  private readonly dispatching = new Set<string>();
  private readonly secretInputs: SecretInputs;
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: TaskRunnerDeps) {
    super();
    this.secretInputs = new SecretInputs(deps.redact);
    this.completion = new TaskCompletion({
      ...deps,
      onFinished: (task) => {
        this.secretInputs.forget(task.id);
        // A wait for a person on this task ends with it; the worker's queue goes on.
        if (deps.policy.taskEnded(task)) this.pump(task.workerId);
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
    const task = newTask(
      id,
      { ...input, ...this.secretInputs.admit(id, input) },
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
    if (this.closed || this.dispatching.has(workerId)) return;
    const { store } = this.deps;
    const worker = store.worker(workerId);
    if (!worker || !isDispatchable(worker)) return;
    // A command its role asks about waits for a person; nothing overtakes it.
    if (this.deps.policy.isWaiting(worker)) return;
    const answered = this.deps.policy.answeredTask(worker);
    const task =
      (answered ? store.task(answered) : undefined) ??
      nextQueuedTask(store.queuedTasksOf(workerId), workerId);
    if (!task) return;
    const limited = rateLimitedUntil(worker, Date.now());
    // A rate-limited agent worker takes its queue up again when the limit resets.
    if (limited !== null) return this.timers.wakeAt(workerId, limited, () => this.pump(workerId));
    const done = this.dispatch(worker, task).finally(() => this.inflight.delete(done));
    this.inflight.add(done);
  }

  // Shutdown, first step: no task is typed from now on; resolves once every dispatch in flight
  // has returned (its task is in the store as running, its keys sent).
  async stopDispatching(): Promise<void> {
    this.closed = true;
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  pumpAll(): void {
    for (const worker of this.deps.store.workers()) this.pump(worker.id);
  }

  // Resolves with the task once it is finished (or as it is after `timeoutMs`).
  wait(taskId: string, timeoutMs?: number): Promise<Task> {
    return this.completion.wait(taskId, timeoutMs);
  }

  // Picks up a task that was running when the controller stopped: its channel re-reads the log
  // from the task's offset; its timeout counts from when it really started.
  resume(task: Task): void {
    this.deps.channel(task.workerId)?.expectTask(task.id);
    this.armTimeout(task);
  }

  private async dispatch(worker: Worker, task: Task): Promise<void> {
    const { store, server } = this.deps;
    const channel = this.deps.channel(worker.id);
    if (!channel || !worker.paneId) return;
    this.dispatching.add(worker.id);
    let running: Task | null = null;
    try {
      const secretInput = this.secretInputs.get(task.id);
      if (task.secretInMemory && !secretInput) return await this.completion.secretLost(task);
      const real = secretInput ? { ...task, ...secretInput } : task;
      const held = this.deps.budget.beforeTyping(worker, task);
      const gate = held.go ? this.deps.policy.beforeTyping(worker, task, real.command) : held;
      if (!gate.go) {
        if (gate.denied !== null)
          await this.completion.finish(task, { status: 'denied', reason: gate.denied });
        return;
      }
      const { interactive, storedCommand, line } = typedTask(this.deps, worker, real);
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
      if (running && isTmuxTimeout(error)) {
        // Typed or not, nobody knows yet: never judge the worker on a timeout.
        void afterTimedOutTyping(this.deps, worker.id, running, {
          stopping: () => this.closed,
          requeue: (reason) => this.interrupt(worker.id, reason, true),
          pump: () => this.pump(worker.id),
        });
        return;
      }
      if (running)
        this.interrupt(worker.id, `could not type the task into its pane (${String(error)})`, true);
      this.deps.onWorkerStuck(worker.id, 'its pane did not accept keys');
    } finally {
      this.dispatching.delete(worker.id);
      // A fast task can end before its dispatch returns (its pump saw us still dispatching).
      this.pump(worker.id);
    }
  }

  // A task the pane log shows ended while the state did not know (a lost journal line, a
  // restored backup): collected from the log, never typed again. The worker's state is left
  // to the caller (another task may be running on it).
  async collectFromLog(workerId: string, task: Task, event: TaskEndEvent): Promise<void> {
    const current = this.deps.store.task(task.id);
    if (!current || isTerminal(current.status)) return;
    this.timers.clearTimeout(current.id);
    this.deps.channel(workerId)?.forget(current.id);
    await this.completion.fromLog(current, event);
  }

  private async runInteractive(workerId: string, task: Task, prompt: string | null): Promise<void> {
    const { store } = this.deps;
    try {
      const o = await this.deps.interactive.run(store.requireWorker(workerId), task, prompt);
      await this.completion.fromTurn(task, o);
    } catch (error) {
      await this.completion.finish(task, { status: 'failed', reason: String(error) });
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
    this.timers.clearTimeout(task.id);
    void this.completion.fromMarker(task, event).then(async () => {
      const idle = this.deps.store.worker(workerId);
      await rotateWorkerLog(workerId, idle?.paneId ?? null, this.deps.channel(workerId), this.deps);
      const worker = this.deps.store.worker(workerId);
      if (worker?.state === 'busy') this.deps.store.putWorker(transitionWorker(worker, 'idle'));
      this.pump(workerId);
    });
  }

  // The running task of a worker whose pane died: re-queued while retries allow, else lost.
  interrupt(workerId: string, reason: string, forceRetry = false): void {
    const task = this.deps.store.runningTaskOf(workerId);
    if (!task) return;
    this.timers.clearTimeout(task.id);
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
      await this.completion.finish(task, { status: 'cancelled', reason: 'cancelled before it started' });
      return this.deps.store.requireTask(taskId);
    }
    this.timers.clearTimeout(task.id);
    await this.stopTurn(task, 'cancelled', null, 'cancelled while running');
    return this.deps.store.requireTask(taskId);
  }

  stop(): void {
    this.timers.stopAll();
  }

  private armTimeout(task: Task): void {
    this.timers.armTimeout(task, (taskId) => void this.onTimeout(taskId));
  }

  private async onTimeout(taskId: string): Promise<void> {
    const task = this.deps.store.task(taskId);
    if (!task || task.status !== 'running') return;
    const seconds = ((task.timeoutMs ?? 0) / 1000).toFixed(1);
    await this.stopTurn(task, 'timed_out', TIMEOUT_EXIT_CODE, `timed out after ${seconds} s`);
  }
}
