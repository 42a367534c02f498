// Builds a running fleet for a home: state loaded, session adopted or created, workers remapped.
// The daemon runs one; tests and the TypeScript API can run one in-process.
import type { Settings } from '../../infrastructure/config/settings.js';
import { silentLogger, type Logger } from '../../infrastructure/logs/logger.js';
import { paneBaseEnv, tmuxProcessEnv } from '../../infrastructure/process/environment.js';
import { StateStore } from '../../infrastructure/state/state-store.js';
import { TmuxConnection } from '../../infrastructure/tmux/tmux-connection.js';
import { FleetController } from './fleet-controller.js';
import { FleetRuntime } from './fleet-runtime.js';

export interface OpenFleetOptions {
  readonly settings: Settings;
  // argv of window 0's live view; default: a shell that says where the controller is.
  readonly statusCommand?: readonly string[];
  readonly logger?: Logger;
  readonly version?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export async function openFleet(options: OpenFleetOptions): Promise<FleetController> {
  const { settings } = options;
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
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
    connection,
    persistence: store,
    initialState,
    logger,
    statusCommand: options.statusCommand ?? ['bash', '--noprofile', '--norc', '-i'],
    baseEnv: paneBaseEnv(env, fleetEnv),
  });
  const fleet = new FleetController(runtime, {
    pid: process.pid,
    socket: settings.paths.socketFile,
    session: settings.session,
    home: settings.home,
    tmuxSocket: settings.socket.name ?? settings.socket.path ?? null,
    version: options.version ?? '0.0.0',
  });
  try {
    await fleet.start();
  } catch (error) {
    await fleet.shutdown().catch(() => undefined);
    throw error;
  }
  return fleet;
}
