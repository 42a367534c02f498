// The controller daemon: a detached process (pid file + unix socket under its home) that owns
// the fleet. It runs outside tmux on purpose, so it outlives the tmux server and rebuilds it.
import { rm } from 'node:fs/promises';
import { toErrorPayload, type ErrorPayload } from '../domain/errors.js';
import type { FleetController } from '../application/fleet-controller.js';
import { openFleet } from '../application/open-fleet.js';
import type { Settings } from '../infrastructure/config/settings.js';
import { writeFileAtomic } from '../infrastructure/fs/atomic-file.js';
import { createLogger } from '../infrastructure/logs/logger.js';
import { acquirePidFile, removePidFile } from '../infrastructure/process/pid-file.js';
import { RpcServer } from './rpc-server.js';
import { VERSION } from './version.js';

export interface DaemonOptions {
  readonly settings: Settings;
  // The running binary (dist/bin/tmuxorch.js), for window 0's `status --watch`.
  readonly cliPath: string;
  readonly foreground: boolean;
}

// Runs until stopped; resolves with the process exit code.
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const { settings } = options;
  const holder = await acquirePidFile(settings.paths.pidFile, process.pid);
  if (holder !== null) {
    await reportStartupError(settings, {
      code: 'DAEMON_START_FAILED',
      message: `a tmuxorch daemon is already running for ${settings.home} (pid ${holder})`,
      details: { pid: holder },
    });
    return 1;
  }
  const logger = createLogger({ file: settings.paths.controllerLog, console: options.foreground });
  let fleet: FleetController | null = null;
  let rpc: RpcServer | null = null;
  let stopping: Promise<void> | null = null;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));

  const stop = (killWorkers: boolean, code = 0): void => {
    stopping ??= (async () => {
      logger.info('daemon stopping', { killWorkers });
      await rpc?.close().catch(() => undefined);
      await fleet
        ?.shutdown({ killWorkers })
        .catch((error: unknown) => logger.error('shutdown failed', { error: String(error) }));
      await rm(settings.paths.socketFile, { force: true });
      await removePidFile(settings.paths.pidFile, process.pid);
      await logger.close();
      resolveExit(code);
    })();
  };

  try {
    fleet = await openFleet({
      settings,
      statusCommand: [process.execPath, options.cliPath, 'status', '--watch'],
      logger,
      version: VERSION,
    });
    rpc = new RpcServer(fleet, logger, { onStop: (killWorkers) => setImmediate(() => stop(killWorkers)) });
    await rpc.listen(settings.paths.socketFile);
    logger.info('daemon started', { pid: process.pid, home: settings.home, session: settings.session });
  } catch (error) {
    const payload = toErrorPayload(error);
    logger.error('daemon failed to start', { error: payload, stack: (error as Error).stack });
    await reportStartupError(settings, payload);
    stop(false, 1);
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

async function reportStartupError(settings: Settings, payload: ErrorPayload): Promise<void> {
  await writeFileAtomic(settings.paths.startupErrorFile, JSON.stringify({ error: payload }));
}
