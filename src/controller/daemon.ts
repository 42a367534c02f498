// The controller daemon: a detached process (lock + pid file + unix socket under its home) that
// owns the fleet. It runs outside tmux on purpose, so it outlives the tmux server and rebuilds it.
//
// Start-up order matters: the home is checked and the lock taken before anything is read or
// written, so a second daemon of the same home leaves without touching state; the socket's place
// is checked before the fleet opens, so a refused start leaves no tmux server behind.
import type { HttpPlugin } from './http/route-types.js';
import { rm } from 'node:fs/promises';
import { toErrorPayload, type ErrorPayload } from '../domain/errors.js';
import type { FleetController } from '../application/fleet/fleet-controller.js';
import { RetentionSchedule } from '../application/retention/retention-schedule.js';
import { openFleet } from './composition-root.js';
import {
  assertNotSymlink,
  assertSocketPathFree,
  preparePrivateHome,
} from '../infrastructure/config/private-home.js';
import type { Settings } from '../infrastructure/config/settings.js';
import { removeStaleTemps, writeFileAtomic } from '../infrastructure/fs/atomic-file.js';
import { createDaemonKey } from '../infrastructure/ipc/peer-proof.js';
import { createLogger, type Logger } from '../infrastructure/logs/logger.js';
import { tryLockHome, type HomeLock } from '../infrastructure/process/home-lock.js';
import { readPidFile, removePidFile, writePidFile } from '../infrastructure/process/pid-file.js';
import type { HttpServerHandle } from './http/http-server.js';
import { RpcServer } from './rpc-server.js';
import { VERSION } from './version.js';

export interface DaemonOptions {
  readonly settings: Settings;
  // The running binary (dist/bin/tmuxorch.js), for window 0's `status --watch`.
  readonly cliPath: string;
  readonly foreground: boolean;
  // Where to say how this start ended (`start` gives each daemon it spawns a file of its own, so
  // concurrent starts never read each other's answer). Default: state/startup-error.json.
  readonly reportFile?: string | undefined;
}

// What a starting daemon tells the `start` that spawned it.
export type StartReport =
  { readonly error: ErrorPayload } | { readonly alreadyRunning: { readonly pid: number | null } };

// Runs until stopped; resolves with the process exit code.
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const { settings } = options;
  const report = (value: StartReport): Promise<void> => {
    if (options.foreground)
      process.stderr.write(
        'error' in value
          ? `tmuxorch: ${value.error.message}\n`
          : `tmuxorch: a daemon is already running for ${settings.home} (pid ${value.alreadyRunning.pid ?? '?'})\n`,
      );
    return writeFileAtomic(options.reportFile ?? settings.paths.startupErrorFile, JSON.stringify(value), {
      durable: false,
    }).catch(() => undefined);
  };
  let lock: HomeLock | null = null;
  try {
    preparePrivateHome(settings.paths);
    for (const file of [settings.paths.controllerLog, settings.paths.stateJournal, settings.paths.stateFile])
      assertNotSymlink(file);
    lock = tryLockHome(settings.paths.lockFile);
    if (lock) assertSocketPathFree(settings.paths.socketFile);
  } catch (error) {
    lock?.release();
    await report({ error: toErrorPayload(error) });
    return 1;
  }
  if (lock === null) {
    // Another daemon of this home holds the lock: it may still be writing its pid.
    await report({ alreadyRunning: { pid: await holderPid(settings) } });
    return 1;
  }
  const logger = createLogger({ file: settings.paths.controllerLog, console: options.foreground });
  return serve(options, lock, logger, report);
}

async function holderPid(settings: Settings): Promise<number | null> {
  for (let i = 0; i < 40; i++) {
    const pid = await readPidFile(settings.paths.pidFile);
    if (pid !== null && pid !== process.pid) return pid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

// The routes beside the operations: the event stream and the metrics (when the fleet has its
// observers), the webhook into the job queue (signed with TMUXORCH_WEBHOOK_SECRET when set, read
// from the daemon's environment and never stored), and the MCP server.
async function servicePlugins(fleet: FleetController, logger: Logger): Promise<HttpPlugin[]> {
  const [{ eventsPlugin }, { metricsPlugin }, { webhookPlugin }, { mcpPlugin }] = await Promise.all([
    import('./http/events-route.js'),
    import('./http/metrics-route.js'),
    import('./http/webhook-route.js'),
    import('./http/mcp-route.js'),
  ]);
  const observers = fleet.observers;
  return [
    ...(observers
      ? [eventsPlugin({ events: observers.events }), metricsPlugin({ metrics: observers.metrics })]
      : []),
    webhookPlugin({
      queue: fleet.requireQueue(),
      secret: process.env.TMUXORCH_WEBHOOK_SECRET ?? null,
      logger,
    }),
    mcpPlugin({ fleet }),
  ];
}

async function serve(
  options: DaemonOptions,
  lock: HomeLock,
  logger: Logger,
  report: (value: StartReport) => Promise<void>,
): Promise<number> {
  const { settings } = options;
  let fleet: FleetController | null = null;
  let rpc: RpcServer | null = null;
  let http: HttpServerHandle | null = null;
  let retention: RetentionSchedule | null = null;
  let stopping: Promise<void> | null = null;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));

  const stop = (killWorkers: boolean, code = 0): void => {
    stopping ??= (async () => {
      logger.info('daemon stopping', { killWorkers });
      await http?.close().catch(() => undefined);
      await rpc?.close().catch(() => undefined);
      // A prune under way ends before the fleet it prunes shuts down.
      await retention?.stop();
      await fleet
        ?.shutdown({ killWorkers })
        .catch((error: unknown) => logger.error('shutdown failed', { error: String(error) }));
      await rm(settings.paths.socketFile, { force: true });
      await rm(settings.paths.daemonKeyFile, { force: true });
      await removePidFile(settings.paths.pidFile, process.pid);
      await logger.close();
      lock.release();
      resolveExit(code);
    })();
  };

  try {
    await writePidFile(settings.paths.pidFile, process.pid);
    // Left by a daemon killed between writing a temp file and renaming it; we are the one writer.
    await removeStaleTemps(settings.paths.stateFile);
    await removeStaleTemps(settings.paths.pidFile);
    const key = await createDaemonKey(settings.paths.daemonKeyFile);
    // Before the fleet opens: a refused bind leaves no tmux server behind.
    const httpModule = settings.http ? await import('./http/http-server.js') : null;
    if (settings.http)
      httpModule?.checkBind(settings.http.host, settings.http.tls ?? undefined, settings.http.insecureBind);
    fleet = await openFleet({
      settings,
      statusCommand: [process.execPath, options.cliPath, 'status', '--watch'],
      logger,
      version: VERSION,
      daemonKey: key,
    });
    rpc = new RpcServer(fleet, logger, { onStop: (killWorkers) => setImmediate(() => stop(killWorkers)) });
    await rpc.listen(settings.paths.socketFile, key);
    if (settings.http && httpModule) {
      const { TokenStore } = await import('../infrastructure/service/token-store.js');
      http = await httpModule.startHttpServer({
        fleet,
        tokens: new TokenStore(settings.paths.tokensFile),
        logger,
        host: settings.http.host,
        port: settings.http.port,
        tls: settings.http.tls ?? undefined,
        insecureBind: settings.http.insecureBind,
        rateLimit: settings.http.rateLimit ?? undefined,
        authFailureLimit: settings.http.authFailureLimit ?? undefined,
        plugins: await servicePlugins(fleet, logger),
      });
      fleet.announceHttp(http.url);
    }
    logger.info('daemon started', { pid: process.pid, home: settings.home, session: settings.session });
    // Retention (config.json's `retention`; removed workers' logs after 7 days by default).
    retention = new RetentionSchedule(fleet, logger, settings.retention.intervalMs);
    retention.start();
  } catch (error) {
    const payload = toErrorPayload(error);
    logger.error('daemon failed to start', { error: payload, stack: (error as Error).stack });
    await report({ error: payload });
    // A fleet with no workers has nothing to keep: close the session (and so the tmux server this
    // start may have started) rather than leave it for nobody.
    stop(fleet !== null && fleet.workers().length === 0, 1);
    return exited;
  }

  process.on('SIGTERM', () => stop(false));
  process.on('SIGINT', () => stop(false));
  process.on('SIGHUP', () => undefined);
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error: String(error), stack: error.stack });
  });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: String(reason) });
  });
  return exited;
}
