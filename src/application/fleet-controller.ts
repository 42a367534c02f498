// The use cases of a running fleet: what the daemon serves over its socket and what the
// TypeScript API offers. Commands take an options object and return data.
import { basename } from 'node:path';
import { nanoid } from 'nanoid';
import { AGENT_PROFILES } from '../domain/agent-profile.js';
import { AgentNotInstalledError, UsageError, WorkerExistsError, WorkerLimitError } from '../domain/errors.js';
import { isSecretName } from '../domain/redact.js';
import { isTerminal, type TaskPriority } from '../domain/task.js';
import { WORKER_NAME_PATTERN, transitionWorker, type Worker, type WorkerType } from '../domain/worker.js';
import { FleetRecovery } from './fleet-recovery.js';
import type { FleetRuntime } from './fleet-runtime.js';
import type { HealthReport } from './health-monitor.js';
import {
  toTaskResult,
  toWorkerView,
  type DaemonView,
  type StatusView,
  type TaskResult,
  type WorkerView,
} from './views.js';
import { findExecutable } from '../infrastructure/process/executable.js';
import { checkProject } from './worker-launcher.js';

export interface AddWorkerInput {
  readonly type: WorkerType;
  readonly project: string;
  readonly name?: string | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
}

export interface SendInput {
  readonly worker: string;
  readonly command: string;
  readonly priority?: TaskPriority | undefined;
  readonly timeoutMs?: number | null | undefined;
  readonly retries?: number | undefined;
}

const STATUS_TASKS = 50;
const STATUS_OUTPUT_CHARS = 4_096;

export class FleetController {
  private readonly recovery: FleetRecovery;
  private healthTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();

  constructor(
    readonly rt: FleetRuntime,
    private readonly daemon: Omit<DaemonView, 'uptimeMs'>,
  ) {
    this.recovery = new FleetRecovery(rt);
  }

  // Adopts the session and the stored fleet, then starts the periodic health sweep.
  async start(): Promise<void> {
    await this.recovery.start();
    // A fresh snapshot: state.json complete, journal empty, and a proof the home is writable.
    await this.rt.store.compact();
    this.healthTimer = setInterval(() => void this.rt.monitor.sweep(), this.rt.settings.healthIntervalMs);
  }

  async addWorker(input: AddWorkerInput): Promise<WorkerView> {
    const { store, settings } = this.rt;
    await checkProject(input.project);
    await this.checkAgentInstalled(input.type);
    const active = store.workers().filter((w) => w.state !== 'stopped');
    if (active.length >= settings.maxWorkers) {
      throw new WorkerLimitError(
        `the fleet already has ${active.length} workers (max ${settings.maxWorkers}): remove one or raise maxWorkers`,
        {
          max: settings.maxWorkers,
        },
      );
    }
    const name = input.name ?? this.defaultName(input.type, input.project);
    if (!WORKER_NAME_PATTERN.test(name)) {
      throw new UsageError(
        `worker name "${name}" is not allowed: use letters, digits, '.', '_' or '-' (at most 48)`,
        { name },
      );
    }
    if (store.findWorker(name))
      throw new WorkerExistsError(`a worker named "${name}" already exists`, { name });
    const id = `w-${nanoid(10).replace(/[^A-Za-z0-9]/g, '0')}`;
    const env: Record<string, string> = {};
    const secretEnv: string[] = [];
    for (const [key, value] of Object.entries(input.env ?? {})) {
      if (isSecretName(key)) {
        secretEnv.push(key);
        const values = this.rt.secrets.get(id) ?? new Map<string, string>();
        values.set(key, value);
        this.rt.secrets.set(id, values);
      } else env[key] = value;
    }
    let worker: Worker = store.putWorker({
      id,
      name,
      type: input.type,
      project: input.project,
      env,
      secretEnv,
      state: 'starting',
      paneId: null,
      windowId: null,
      restarts: 0,
      restartHistory: [],
      lastError: null,
      createdAt: new Date().toISOString(),
      startedAt: null,
    });
    await store.flush();
    const channel = this.rt.channelFor(id);
    try {
      await channel.open();
      const placement = await this.rt.launcher.place(worker, channel, null);
      worker = store.putWorker(
        transitionWorker(store.requireWorker(id), 'idle', {
          ...placement,
          startedAt: new Date().toISOString(),
        }),
      );
    } catch (error) {
      await this.rt.closeChannel(id);
      store.deleteWorker(id);
      this.rt.forgetSecrets(id);
      await store.flush();
      throw error;
    }
    await store.flush();
    this.rt.logger.info('worker added', {
      workerId: id,
      name,
      type: input.type,
      project: input.project,
      env,
    });
    return toWorkerView(worker, store.tasks());
  }

  // Stops a worker: its queued tasks are cancelled, its running task too, its window closed.
  async removeWorker(idOrName: string, options: { keepPane?: boolean } = {}): Promise<WorkerView> {
    const { store, runner, monitor, server } = this.rt;
    const worker = store.requireWorker(idOrName);
    monitor.cancelRevive(worker.id);
    for (const task of store.tasks()) {
      if (task.workerId === worker.id && !isTerminal(task.status)) await runner.cancel(task.id);
    }
    const stopped = store.putWorker(transitionWorker(store.requireWorker(worker.id), 'stopped'));
    if (worker.paneId) {
      if (options.keepPane)
        await server.run(['set-option', '-p', '-u', '-t', worker.paneId, '@tmuxorch_worker']);
      else if (worker.windowId) await server.killWindow(worker.windowId);
      else await server.pane(worker.paneId).kill();
    }
    await this.rt.closeChannel(worker.id);
    this.rt.forgetSecrets(worker.id);
    store.deleteWorker(worker.id);
    await store.flush();
    this.rt.logger.info('worker removed', { workerId: worker.id, name: worker.name });
    return toWorkerView(stopped, store.tasks());
  }

  async send(input: SendInput): Promise<TaskResult> {
    const worker = this.rt.store.requireWorker(input.worker);
    const profile = AGENT_PROFILES[worker.type];
    if (!profile.acceptsShellTasks) {
      throw new UsageError(
        `${worker.type} workers take tasks once the agent adapters land; for now run the agent's headless mode in a shell worker (e.g. tmuxorch send <shell-worker> -- ${worker.type} ...)`,
        { worker: worker.name, type: worker.type },
      );
    }
    if (worker.state === 'stopped')
      throw new UsageError(`worker ${worker.name} was removed`, { worker: worker.name });
    if (input.command.trim() === '') throw new UsageError('the task has no command', {});
    const task = await this.rt.runner.enqueue({
      workerId: worker.id,
      workerName: worker.name,
      command: input.command,
      priority: input.priority,
      timeoutMs: input.timeoutMs === undefined ? this.rt.settings.defaultTimeoutMs : input.timeoutMs,
      retries: input.retries,
    });
    return toTaskResult(task, null);
  }

  // Waits until the task is finished and returns its result.
  async wait(taskId: string): Promise<TaskResult> {
    await this.rt.runner.wait(taskId);
    return this.result(taskId);
  }

  async result(taskId: string): Promise<TaskResult> {
    const task = this.rt.store.requireTask(taskId);
    const output = isTerminal(task.status) ? await this.rt.files.readOutput(task.id) : null;
    return toTaskResult(task, output);
  }

  async cancel(taskId: string): Promise<TaskResult> {
    await this.rt.runner.cancel(taskId);
    return this.result(taskId);
  }

  // `withOutput: false` skips reading task outputs (the live view redraws every second).
  async status(options: { withOutput?: boolean } = {}): Promise<StatusView> {
    const { store } = this.rt;
    const withOutput = options.withOutput ?? true;
    const tasks = store
      .tasks()
      .sort((a, b) => b.seq - a.seq)
      .slice(0, STATUS_TASKS);
    const results = await Promise.all(
      tasks.map(async (t) => {
        const output = withOutput && isTerminal(t.status) ? await this.rt.files.readOutput(t.id) : null;
        return toTaskResult(t, output === null ? null : output.slice(-STATUS_OUTPUT_CHARS));
      }),
    );
    return {
      daemon: { ...this.daemon, uptimeMs: Date.now() - this.startedAt },
      workers: this.workers(),
      tasks: results,
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
    const { store, monitor } = this.rt;
    const worker = store.requireWorker(idOrName);
    if (worker.state === 'idle' || worker.state === 'busy') {
      // Alive by our books; a sweep tells whether tmux agrees before anything is restarted.
      await monitor.sweep();
    }
    const revived = await monitor.revive(worker.id, 'manual');
    return toWorkerView(revived, store.tasks());
  }

  async capture(idOrName: string, lines = 0): Promise<string> {
    const worker = this.rt.store.requireWorker(idOrName);
    if (!worker.paneId)
      throw new UsageError(`worker ${worker.name} has no pane right now (state ${worker.state})`, {});
    return this.rt.server.pane(worker.paneId).capture(lines > 0 ? { start: -lines } : {});
  }

  // Where a worker's or a task's log lives (the CLI reads and follows it itself).
  logFileOf(target: string): { kind: 'worker' | 'task'; file: string; running: boolean; offset: number } {
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
  async shutdown(options: { killWorkers?: boolean } = {}): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.recovery.stop();
    this.rt.monitor.stop();
    this.rt.runner.stop();
    await this.rt.store.compact();
    await this.rt.store.close();
    await this.rt.connection.close();
    if (options.killWorkers) await this.rt.server.killSession(this.rt.settings.session);
    await Promise.all([...this.rt.channels.keys()].map((id) => this.rt.closeChannel(id)));
  }

  // An agent type whose CLI is missing fails here, with the fix, instead of "command not found" in a pane.
  private async checkAgentInstalled(type: WorkerType): Promise<void> {
    const profile = AGENT_PROFILES[type];
    if (!profile.binary) return;
    if (await findExecutable(profile.binary, this.rt.launcher.panePath)) return;
    throw new AgentNotInstalledError(
      `${profile.binary} is not installed (not on PATH): ${profile.installHint}`,
      {
        type,
        binary: profile.binary,
      },
    );
  }

  private defaultName(type: WorkerType, project: string): string {
    const base = `${type}-${basename(project)}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40);
    let name = base;
    for (let i = 2; this.rt.store.findWorker(name); i++) name = `${base}-${i}`;
    return name;
  }
}
