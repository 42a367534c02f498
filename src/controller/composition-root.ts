// The composition root: where a fleet's concrete parts are built and wired, once, at the start of
// the process that runs it — the daemon (daemon.ts), `Fleet.ephemeral()` (fleet.ts), the bench and
// the tests. Everything below it gets ports (application/ports/): the tmux server, its control
// connection, the state file, the terminal renderer, the clock; and the workflow engine its git
// workspaces and run files.
import { rm } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { EphemeralBackend } from '../application/fleet/ephemeral-fleet.js';
import { claimSession, removeOrphanSessions } from '../application/fleet/ephemeral-sessions.js';
import { FleetController } from '../application/fleet/fleet-controller.js';
import { FleetRuntime } from '../application/fleet/fleet-runtime.js';
import { systemClock, type Clock } from '../application/ports/clock.js';
import type { Settings } from '../infrastructure/config/settings.js';
import { silentLogger, type Logger } from '../infrastructure/logs/logger.js';
import { paneBaseEnv, tmuxProcessEnv } from '../infrastructure/process/environment.js';
import { StateStore } from '../infrastructure/state/state-store.js';
import { TaskFiles } from '../infrastructure/tasks/task-files.js';
import { HookLog } from '../infrastructure/agents/hook-log.js';
import { WorkerKeys } from '../infrastructure/ipc/worker-keys.js';
import { TerminalRenderer } from '../infrastructure/terminal/terminal-renderer.js';
import { TmuxServer } from '../infrastructure/tmux/server.js';
import { TmuxConnection } from '../infrastructure/tmux/tmux-connection.js';
import { WorkflowEngine } from '../application/workflows/workflow-engine.js';
import { createRedactor } from '../domain/redact.js';
import { GitWorkspaces } from '../infrastructure/git/git-workspaces.js';
import { secretValuesOf } from '../infrastructure/logs/logger.js';
import { RunFiles } from '../infrastructure/workflow/run-files.js';
import { attachFleetEvents } from '../application/events/attach-fleet-events.js';
import { JobQueue } from '../application/queue/job-queue.js';
import { JobStore } from '../infrastructure/queue/job-store.js';

export interface OpenFleetOptions {
  readonly settings: Settings;
  // argv of window 0's live view; default: a shell that says where the controller is.
  readonly statusCommand?: readonly string[];
  readonly logger?: Logger;
  readonly version?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  // The daemon's key (its workers' hook keys derive from it); absent in a fleet with no socket.
  readonly daemonKey?: string;
}

// A running fleet for a home: state loaded, session adopted or created, workers remapped.
export async function openFleet(options: OpenFleetOptions): Promise<FleetController> {
  const { settings } = options;
  const env = options.env ?? process.env;
  const store = new StateStore(settings.paths);
  const initialState = await store.load(settings.session);
  const fleetEnv = {
    TMUXORCH_HOME: settings.home,
    TMUXORCH_SESSION: settings.session,
    ...(settings.socket.name ? { TMUXORCH_SOCKET: settings.socket.name } : {}),
  };
  const connection = new TmuxConnection({
    socket: settings.socket,
    timeoutMs: settings.tmuxTimeoutMs,
    env: tmuxProcessEnv(env),
  });
  const runtime = new FleetRuntime({
    settings,
    tmux: new TmuxServer(connection),
    control: connection,
    persistence: store,
    initialState,
    renderer: new TerminalRenderer(),
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    statusCommand: options.statusCommand ?? ['bash', '--noprofile', '--norc', '-i'],
    baseEnv: paneBaseEnv(env, fleetEnv),
    files: new TaskFiles(settings.paths),
    hooks: new HookLog(
      join(settings.paths.stateDir, 'hooks'),
      options.daemonKey ? new WorkerKeys(settings.paths.workerKeysDir, options.daemonKey) : null,
    ),
  });
  const fleet = new FleetController(runtime, {
    pid: process.pid,
    socket: settings.paths.socketFile,
    session: settings.session,
    home: settings.home,
    tmuxSocket: settings.socket.name ?? settings.socket.path ?? null,
    version: options.version ?? '0.0.0',
    http: null,
  });
  const workflows = new WorkflowEngine(
    {
      fleet,
      workspaces: new GitWorkspaces(),
      clock: options.clock ?? systemClock,
      redact: createRedactor(secretValuesOf(env)),
      roles: runtime.roles,
      secretEnv: env,
    },
    new RunFiles(settings.paths.flowsDir),
  );
  fleet.attachWorkflows(workflows);
  const queue = new JobQueue({
    store: new JobStore(settings.paths.queueDir),
    fleet,
    workflows,
    limits: settings.queue,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
  });
  fleet.attachQueue(queue);
  try {
    // Events and metrics before start: what recovery changes is an event too (logs/events.ndjson
    // is written whether or not HTTP serves the stream).
    await attachFleetEvents(fleet, workflows, settings, options.clock ? { clock: options.clock } : {});
    // The job queue's depth by state, read at scrape time (tmuxorch_queue_depth{queue="jobs"}).
    fleet.observers?.metrics.addQueue('jobs', () => {
      const depth: Record<string, number> = {};
      for (const job of queue.list()) depth[job.status] = (depth[job.status] ?? 0) + 1;
      return depth;
    });
    await fleet.start();
    // Runs the last daemon left unfinished carry on (their tasks are the fleet's, collected above).
    await workflows.resumeActive();
    // Then the queue: its running jobs re-attached to those runs and tasks, or reclaimed.
    await queue.start();
  } catch (error) {
    await fleet.shutdown().catch(() => undefined);
    throw error;
  }
  return fleet;
}

export interface EphemeralFleetOptions extends OpenFleetOptions {
  // Where ephemeral fleets keep their state homes: an orphan's home there is removed with it.
  readonly ephemeralHomesDir: string;
}

// An ephemeral fleet: a controller in this process, in a tmux session of its own that it owns
// (ephemeral-sessions.ts says why each is stamped with its owner's pid). Opening one also removes
// the sessions, and the state homes, that owners killed outright left behind.
export async function openEphemeralFleet(options: EphemeralFleetOptions): Promise<EphemeralBackend> {
  const controller = await openFleet(options);
  const { server } = controller.rt;
  try {
    await claimSession(server, options.settings.session, process.pid);
    const homes = options.ephemeralHomesDir + sep;
    for (const orphan of await removeOrphanSessions(server)) {
      if (orphan.home.startsWith(homes)) await rm(orphan.home, { recursive: true, force: true });
    }
  } catch (error) {
    await controller.shutdown({ killWorkers: true }).catch(() => undefined);
    throw error;
  }
  return new EphemeralBackend(controller);
}
