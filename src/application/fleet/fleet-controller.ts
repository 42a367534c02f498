// The use cases of a running fleet: what the daemon serves over its socket and what the
// TypeScript API offers. Commands take an options object and return data. Each checks its input
// against its operation's declared schema first (operation-inputs.ts), whoever calls.
import { roleView, type RoleView } from '../../domain/policy/enforcement.js';
import type { BudgetView } from '../../domain/budget/budget-view.js';
import type { PolicyDecisionEvent, ToolVerdict } from '../policy/policy-gate.js';
import { roleViewFor } from '../policy/agent-flags.js';
import { UsageError } from '../../domain/errors.js';
import { isTerminal, type TaskPriority } from '../../domain/task.js';
import type { AddWorkerInput } from '../workers/new-worker.js';
import { FleetRecovery } from './fleet-recovery.js';
import type { WorkflowEngine } from '../workflows/workflow-engine.js';
import type { FleetObservers } from '../events/attach-fleet-events.js';
import type { JobQueue } from '../queue/job-queue.js';
import { toFlowLine } from '../../domain/workflow/workflow-view.js';
import type { FleetRuntime } from './fleet-runtime.js';
import type { HealthReport } from '../workers/health-monitor.js';
import {
  toTaskResult,
  toWorkerView,
  type DaemonView,
  type StatusView,
  type TaskResult,
  type WorkerView,
} from '../contract/views.js';
import { addWorkerTo, removeWorkerFrom } from '../workers/worker-lifecycle.js';
import { answerWorker, pushAskCommand } from '../policy/worker-answer.js';
import { recentTaskResults } from './recent-tasks.js';
import { parseInput } from '../contract/operation-inputs.js';

export type { AddWorkerInput } from '../workers/new-worker.js';

export interface SendInput {
  readonly worker: string;
  readonly command: string;
  readonly priority?: TaskPriority | undefined;
  readonly timeoutMs?: number | null | undefined;
  readonly retries?: number | undefined;
  readonly tag?: string | undefined;
}

export class FleetController {
  private readonly recovery: FleetRecovery;
  // The workflow engine, attached by the composition root (workflows run where the fleet runs).
  private workflowEngine: WorkflowEngine | null = null;
  // The fleet's events and metrics (attachFleetEvents), closed at shutdown.
  private fleetObservers: FleetObservers | null = null;
  // The job queue, attached by the composition root (it starts runs and tasks of this fleet).
  private jobQueue: JobQueue | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();

  constructor(
    readonly rt: FleetRuntime,
    private daemon: Omit<DaemonView, 'uptimeMs'>,
  ) {
    this.recovery = new FleetRecovery(rt);
  }

  // The daemon's HTTP API listens at `url` (shown by ping and status).
  announceHttp(url: string | null): void {
    this.daemon = { ...this.daemon, http: url };
  }

  attachWorkflows(engine: WorkflowEngine): void {
    this.workflowEngine = engine;
  }

  attachObservers(observers: FleetObservers): void {
    this.fleetObservers = observers;
  }

  // The fleet's events and metrics, when the composition root attached them (HTTP serves them).
  get observers(): FleetObservers | null {
    return this.fleetObservers;
  }

  attachQueue(queue: JobQueue): void {
    this.jobQueue = queue;
  }

  requireQueue(): JobQueue {
    if (!this.jobQueue) throw new UsageError('this fleet has no job queue', {});
    return this.jobQueue;
  }

  requireWorkflows(): WorkflowEngine {
    if (!this.workflowEngine) throw new UsageError('this fleet runs no workflows', {});
    return this.workflowEngine;
  }

  // Adopts the session and the stored fleet, then starts the periodic health sweep.
  async start(): Promise<void> {
    await this.recovery.start();
    // A fresh snapshot: state.json complete, journal empty, and a proof the home is writable.
    await this.rt.store.compact();
    this.healthTimer = setInterval(() => void this.rt.monitor.sweep(), this.rt.settings.healthIntervalMs);
    this.rt.budget.start();
  }

  // The day's agent spend against the budget's limits, and the work the budget holds.
  budget(input?: { day?: string | undefined }): BudgetView {
    const p = parseInput('budget', input);
    return this.rt.budget.view(p?.day);
  }

  async addWorker(request: AddWorkerInput): Promise<WorkerView> {
    return addWorkerTo(this.rt, parseInput('addWorker', request));
  }

  // Stops a worker: its queued tasks are cancelled, its running task too, its window closed.
  async removeWorker(idOrName: string, request: { keepPane?: boolean } = {}): Promise<WorkerView> {
    return removeWorkerFrom(this.rt, parseInput('removeWorker', { ...request, worker: idOrName }));
  }

  async send(request: SendInput): Promise<TaskResult> {
    const input = parseInput('send', request);
    const worker = this.rt.store.requireWorker(input.worker);
    // A shell worker runs the text as a command; an agent worker takes it as its prompt.
    const profile = this.rt.profiles.require(worker.type);
    if (profile.binary !== null && !profile.oneShot) {
      throw new UsageError(
        `${profile.displayName} has no headless mode configured, so it cannot take tasks`,
        {
          worker: worker.name,
        },
      );
    }
    if (worker.state === 'stopped')
      throw new UsageError(`worker ${worker.name} was removed`, { worker: worker.name });
    if (input.command.trim() === '') throw new UsageError('the task has no command', {});
    const task = await this.rt.runner.enqueue({
      workerId: worker.id,
      workerName: worker.name,
      command: input.command,
      prompt: profile.binary === null ? null : input.command,
      priority: input.priority,
      timeoutMs: input.timeoutMs === undefined ? this.rt.settings.defaultTimeoutMs : input.timeoutMs,
      retries: input.retries,
      ...(input.tag === undefined ? {} : { tag: input.tag }),
    });
    return toTaskResult(task, null);
  }

  // Answers what a worker waits on: its role's or the budget's ask, or its TUI's question.
  async answer(idOrName: string, approve: boolean): Promise<WorkerView> {
    const { worker } = parseInput(approve ? 'approve' : 'deny', { worker: idOrName });
    return answerWorker(this.rt, worker, approve);
  }

  // An agent's tool call, decided by its worker's role (the PreToolUse hook asks).
  checkTool(
    workerRef: string,
    tool: string,
    input: Readonly<Record<string, unknown>>,
    cwd: string | null,
  ): ToolVerdict {
    const p = parseInput('policyCheck', { worker: workerRef, tool, input, cwd });
    const verdict = this.rt.policy.checkTool(
      this.rt.store.requireWorker(p.worker),
      p.tool,
      p.input,
      p.cwd ?? null,
    );
    return verdict;
  }

  // A person's answer to what a tool hook asked, once given (null: not yet).
  approvalAnswer(workerRef: string, approval: string): 'approved' | 'denied' | null {
    const p = parseInput('policyAnswer', { worker: workerRef, approval });
    return this.rt.policy.answerOf(this.rt.store.requireWorker(p.worker), p.approval);
  }

  onPolicyDecision(listener: (event: PolicyDecisionEvent) => void): void {
    this.rt.policy.on('decision', listener);
  }

  // For a git pre-push hook: asks the worker's role about `git push REMOTE` the way its agent's
  // tool hook does (a person answers an ask); succeeds only when allowed.
  askCommand(workerName: string): string | null {
    const worker = this.rt.store.findWorker(workerName);
    return worker ? pushAskCommand(this.rt.hooks.policyCommand(worker.id)) : null;
  }

  roles(): RoleView[] {
    return this.rt.roles.all().map((role) => roleView(role, null, null));
  }

  role(name: string, type: string | null): RoleView {
    const p = parseInput('roleShow', { role: name, ...(type ? { type } : {}) });
    return roleViewFor(this.rt.roles, this.rt.profiles, p.role, p.type ?? null);
  }

  // Waits until the task is finished (at most `timeoutMs` when given) and returns its result.
  async wait(taskId: string, timeoutMs?: number): Promise<TaskResult> {
    const { id, timeoutMs: bound } = parseInput('wait', { id: taskId, timeoutMs });
    await this.rt.runner.wait(id, bound);
    return this.result(id);
  }

  async result(taskId: string): Promise<TaskResult> {
    const { id } = parseInput('result', { id: taskId });
    const task = this.rt.store.requireTask(id);
    const output = isTerminal(task.status) ? await this.rt.files.readOutput(task.id) : null;
    return toTaskResult(task, output);
  }

  async cancel(taskId: string): Promise<TaskResult> {
    const { id } = parseInput('cancel', { id: taskId });
    await this.rt.runner.cancel(id);
    return this.result(id);
  }

  // `withOutput: false` skips reading task outputs (the live view redraws every second).
  async status(request: { withOutput?: boolean } = {}): Promise<StatusView> {
    const withOutput = parseInput('status', request)?.withOutput ?? true;
    return {
      daemon: { ...this.daemon, uptimeMs: Date.now() - this.startedAt },
      workers: this.workers(),
      tasks: await recentTaskResults(this.rt, withOutput),
      workflows: (this.workflowEngine?.activeRuns() ?? []).map(toFlowLine),
    };
  }

  workers(): WorkerView[] {
    const { store } = this.rt;
    const tasks = store.tasks();
    return store.workers().map((w) => toWorkerView(w, tasks));
  }

  healthCheck(): Promise<HealthReport> {
    return this.rt.monitor.sweep();
  }

  async revive(idOrName: string): Promise<WorkerView> {
    const { worker: ref } = parseInput('revive', { worker: idOrName });
    const { store, monitor } = this.rt;
    const worker = store.requireWorker(ref);
    if (worker.state === 'idle' || worker.state === 'busy') {
      // Alive by our books; a sweep tells whether tmux agrees before anything is restarted.
      await monitor.sweep();
    }
    const revived = await monitor.revive(worker.id, 'manual');
    return toWorkerView(revived, store.tasks());
  }

  async capture(idOrName: string, count = 0): Promise<string> {
    const { worker: ref, lines = 0 } = parseInput('capture', { worker: idOrName, lines: count });
    const worker = this.rt.store.requireWorker(ref);
    if (!worker.paneId)
      throw new UsageError(`worker ${worker.name} has no pane right now (state ${worker.state})`, {});
    // The screen shows what the worker's programs printed: its secrets are cut out as in its log.
    // Blank rows below the last printed line are not output; `lines` is the last that many
    // printed lines, history included (tmux's -S -N gives N lines above the screen, plus it).
    const text = await this.rt.server.pane(worker.paneId).capture(lines > 0 ? { start: -lines } : {});
    const rows = text.split('\n');
    while (rows.length > 0 && rows[rows.length - 1]?.trim() === '') rows.pop();
    return this.rt.redactorFor(worker.id)((lines > 0 ? rows.slice(-lines) : rows).join('\n'));
  }

  // Where a worker's or a task's log lives (the CLI reads and follows it itself).
  logFileOf(ref: string): { kind: 'worker' | 'task'; file: string; running: boolean; offset: number } {
    const { target } = parseInput('logFile', { target: ref });
    const { store } = this.rt;
    const task = store.task(target);
    if (task) {
      const channel = this.rt.channelFor(task.workerId);
      if (isTerminal(task.status))
        return { kind: 'task', file: `${this.rt.files.dir(task.id)}/output.txt`, running: false, offset: 0 };
      return { kind: 'task', file: channel.logFile, running: true, offset: task.logOffset ?? 0 };
    }
    const worker = store.requireWorker(target);
    return { kind: 'worker', file: this.rt.channelFor(worker.id).logFile, running: true, offset: 0 };
  }

  // Stops the controller; `killWorkers` also closes the tmux session.
  // Dispatching stops first and every dispatch in flight ends before the final snapshot: a task
  // whose keys were sent is in it as running (the next start collects it from the log), one
  // never typed is in it as queued; none can be typed again, none ends empty-handed.
  async shutdown(options: { killWorkers?: boolean } = {}): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    // Nothing more is started; every job change in flight is on disk first.
    await this.jobQueue?.stop();
    this.workflowEngine?.stop();
    this.recovery.stop();
    this.rt.monitor.stop();
    await this.rt.runner.stopDispatching();
    this.rt.runner.stop();
    await this.rt.budget.close();
    // What the logs hold already is collected now rather than by the next start.
    await Promise.all([...this.rt.channels.values()].map((c) => c.drain()));
    await this.rt.store.compact();
    await this.rt.store.close();
    // After the last state change: the event log holds every event up to the shutdown.
    await this.fleetObservers?.close();
    await this.rt.connection.close();
    if (options.killWorkers) await this.rt.server.killSession(this.rt.settings.session);
    await Promise.all([...this.rt.channels.keys()].map((id) => this.rt.closeChannel(id)));
  }
}
