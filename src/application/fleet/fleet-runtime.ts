// Everything a running controller holds, wired once from the ports it is given. The composition
// root (controller/composition-root.ts) builds the concrete tmux, state and terminal pieces and
// hands them here; FleetController (the use cases) and FleetRecovery (start-up adoption, tmux
// server loss) share what this builds from them.
import { PolicyGate } from '../policy/policy-gate.js';
import { BudgetGate } from '../budget/budget-gate.js';
import { SpendLedger } from '../budget/spend-ledger.js';
import { BudgetConfig } from '../../infrastructure/budget/budget-config.js';
import { loadSpendFile, saveSpendFile } from '../../infrastructure/budget/spend-file.js';
import { RoleRegistry } from '../../domain/policy/role-registry.js';
import { dirname, join } from 'node:path';
import { createRedactor } from '../../domain/redact.js';
import type { Settings } from '../../infrastructure/config/settings.js';
import { workerLogFile } from '../../infrastructure/config/paths.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import { secretValuesOf } from '../../infrastructure/logs/logger.js';
import type { Clock } from '../ports/clock.js';
import type { TmuxControlPort, TmuxPort } from '../ports/tmux.js';
import type { OutputRenderer } from '../../domain/task-output.js';
import { ProfileRegistry } from '../../domain/agents/registry.js';
import { AgentTasks } from '../agents/agent-tasks.js';
import type { HookLog } from '../../infrastructure/agents/hook-log.js';
import { InteractiveTasks } from '../agents/interactive-tasks.js';
import { FleetStore } from './fleet-store.js';
import { HealthMonitor } from '../workers/health-monitor.js';
import { SessionKeeper } from './session-keeper.js';
import type { TaskFilesPort } from '../ports/files.js';
import { TaskRunner } from '../tasks/task-runner.js';
import { TuiProcesses } from '../agents/tui-process.js';
import { WorkerChannel } from '../workers/worker-channel.js';
import { WorkerLauncher } from '../workers/worker-launcher.js';
import type { FleetState } from '../../infrastructure/state/state-schema.js';
import type { StatePersistence } from './fleet-store.js';

export interface RuntimeOptions {
  readonly settings: Settings;
  // The fleet's tmux server, and the control client kept attached to its session.
  readonly tmux: TmuxPort;
  readonly control: TmuxControlPort;
  readonly persistence: StatePersistence;
  // Renders a task's raw bytes as a terminal showed them.
  readonly renderer: OutputRenderer;
  readonly clock: Clock;
  readonly initialState: FleetState;
  readonly logger: Logger;
  // argv of the status view for window 0.
  readonly statusCommand: readonly string[];
  // Environment handed to new panes (PATH and friends) and to the status view.
  readonly baseEnv: Readonly<Record<string, string>>;
  // The tasks' files (infrastructure/tasks/task-files.ts).
  readonly files: TaskFilesPort;
  // The agents' hook logs and settings, with the policed workers' own keys where a daemon's
  // socket can hear them (infrastructure/agents/hook-log.ts).
  readonly hooks: HookLog;
}

export class FleetRuntime {
  readonly settings: Settings;
  readonly connection: TmuxControlPort;
  readonly server: TmuxPort;
  readonly store: FleetStore;
  readonly files: TaskFilesPort;
  readonly logger: Logger;
  readonly keeper: SessionKeeper;
  readonly launcher: WorkerLauncher;
  readonly profiles: ProfileRegistry;
  readonly roles: RoleRegistry;
  readonly policy: PolicyGate;
  readonly budget: BudgetGate;
  readonly agents: AgentTasks;
  readonly hooks: HookLog;
  readonly interactive: InteractiveTasks;
  readonly tui: TuiProcesses;
  readonly runner: TaskRunner;
  readonly monitor: HealthMonitor;
  readonly channels = new Map<string, WorkerChannel>();
  // Secret env values given with add-worker: memory only, never written anywhere.
  readonly secrets = new Map<string, Map<string, string>>();
  private readonly redactors = new Map<string, (text: string) => string>();
  private readonly envSecrets: string[];

  constructor(options: RuntimeOptions) {
    const { settings, logger } = options;
    this.settings = settings;
    this.connection = options.control;
    this.logger = logger;
    this.server = options.tmux;
    this.store = new FleetStore(
      options.persistence,
      settings.session,
      options.initialState,
      settings.keepFinishedTasks,
    );
    this.store.on('error', (error) => logger.error('state write failed', { error: String(error) }));
    this.files = options.files;
    this.envSecrets = secretValuesOf(process.env);
    this.keeper = new SessionKeeper(this.server, {
      session: settings.session,
      home: settings.home,
      statusCommand: options.statusCommand,
      env: options.baseEnv,
    });
    const channel = (id: string): WorkerChannel | undefined => this.channels.get(id);
    const rcFile = join(settings.paths.stateDir, 'worker.bashrc');
    this.profiles = new ProfileRegistry(settings.agents);
    this.roles = new RoleRegistry(settings.roles, settings.protectedPaths);
    this.policy = new PolicyGate(this.store, logger);
    const redact = (workerId: string, text: string): string => this.redactorFor(workerId)(text);
    this.hooks = options.hooks;
    // The key changed with this start: the live policed workers' hooks prove with the new one.
    this.hooks.keys?.refresh(options.initialState.workers.filter((w) => w.policy !== null).map((w) => w.id));
    this.agents = new AgentTasks({
      store: this.store,
      files: this.files,
      profiles: this.profiles,
      redact,
      hooks: this.hooks,
    });
    this.launcher = new WorkerLauncher({
      server: this.server,
      session: settings.session,
      baseEnv: options.baseEnv,
      secretValue: (workerId, name) => this.secrets.get(workerId)?.get(name) ?? process.env[name],
      secretValues: (workerId) => this.secretValuesOf(workerId),
      rcFile,
      handoffDir: join(settings.paths.stateDir, 'handoff'),
      keyPaths: settings.paths,
      logFilterFile: join(settings.paths.stateDir, 'log-filter.pl'),
      binDir: join(settings.paths.stateDir, 'bin'),
      simHome: join(settings.paths.stateDir, 'sim'),
      tasksDir: dirname(this.files.dir('t')),
      profiles: this.profiles,
      hooks: this.hooks,
      startTui: (worker, paneId) => this.tui.start(worker, paneId),
    });
    this.tui = new TuiProcesses({
      store: this.store,
      server: this.server,
      profiles: this.profiles,
      channel,
      redact,
      tuiArgv: (worker) => this.launcher.tuiArgv(worker),
    });
    this.interactive = new InteractiveTasks({
      store: this.store,
      server: this.server,
      files: this.files,
      profiles: this.profiles,
      hooks: this.hooks,
      channel,
      redact,
      tui: this.tui,
    });
    const spent = loadSpendFile(settings.paths.spendFile);
    if (spent.problem) logger.warn('budget ledger unreadable', { problem: spent.problem });
    const budgetConfig = new BudgetConfig(settings.paths, settings.budget, (message) => logger.warn(message));
    this.budget = new BudgetGate({
      store: this.store,
      ledger: new SpendLedger(
        spent.days,
        { save: (days) => saveSpendFile(settings.paths.spendFile, days) },
        options.clock,
        (error) => logger.error('budget ledger write failed', { error: String(error) }),
      ),
      limits: () => budgetConfig.current(),
      policy: this.policy,
      clock: options.clock,
      logger,
      pump: (workerId) => this.runner.pump(workerId),
    });
    this.runner = new TaskRunner({
      store: this.store,
      server: this.server,
      files: this.files,
      channel,
      launcher: this.launcher,
      agents: this.agents,
      interactive: this.interactive,
      rcFile,
      logger,
      redact,
      renderer: options.renderer,
      maxLogBytes: settings.maxLogBytes,
      policy: this.policy,
      budget: this.budget,
      onWorkerStuck: (workerId, reason) => void this.onWorkerStuck(workerId, reason),
    });
    // An answered approval lets the worker's queue go on (its task is typed, or ends denied).
    this.policy.on('answered', (worker) => this.runner.pump(worker.id));
    this.monitor = new HealthMonitor({
      store: this.store,
      server: this.server,
      runner: this.runner,
      launcher: this.launcher,
      channel,
      policy: settings.restart,
      logger,
      redact,
      clock: options.clock,
    });
  }

  // The log channel of a worker, created (not yet opened) on first use.
  channelFor(workerId: string): WorkerChannel {
    let channel = this.channels.get(workerId);
    if (!channel) {
      channel = new WorkerChannel(
        workerId,
        workerLogFile(this.settings.paths, workerId),
        (event) => this.runner.handleEnd(workerId, event),
        (error) => this.logger.warn('worker log read failed', { workerId, error: error.message }),
      );
      this.channels.set(workerId, channel);
    }
    return channel;
  }

  async closeChannel(workerId: string): Promise<void> {
    this.tui.forget(workerId);
    await this.channels.get(workerId)?.close();
    this.channels.delete(workerId);
  }

  redactorFor(workerId: string): (text: string) => string {
    let redactor = this.redactors.get(workerId);
    if (!redactor) {
      redactor = createRedactor(this.secretValuesOf(workerId));
      this.redactors.set(workerId, redactor);
    }
    return redactor;
  }

  // The values redacted from a worker's log, output and commands: the controller's secret env,
  // the worker's own secrets (add-worker --env), and its profile's variables read from our env.
  secretValuesOf(workerId: string): string[] {
    const values = [...this.envSecrets, ...(this.secrets.get(workerId)?.values() ?? [])];
    for (const name of this.store.worker(workerId)?.secretEnv ?? []) {
      const value = process.env[name];
      if (value !== undefined) values.push(value);
    }
    return values;
  }

  forgetSecrets(workerId: string): void {
    this.secrets.delete(workerId);
    this.redactors.delete(workerId);
  }

  private async onWorkerStuck(workerId: string, reason: string): Promise<void> {
    const worker = this.store.worker(workerId);
    if (!worker) return;
    // Its pane is alive but unusable: kill the program so the revive starts clean.
    await this.monitor.markDead(worker, worker.paneId, reason);
  }
}
