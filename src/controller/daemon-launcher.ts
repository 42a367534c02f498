// `tmuxorch start`: spawns the daemon detached (its own process group, stdio to logs/daemon.out)
// and waits until its socket answers, or reports the daemon's own startup error.
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { DaemonStartError, fromErrorPayload, isErrorCode } from '../domain/errors.js';
import type { DaemonView } from '../application/views.js';
import type { Settings } from '../infrastructure/config/settings.js';
import { isAlive } from '../infrastructure/process/pid-file.js';
import { RpcClient } from './rpc-client.js';

const START_TIMEOUT_MS = 30_000;

// The running daemon's view, or null when none answers.
export async function pingDaemon(settings: Settings): Promise<DaemonView | null> {
  let client: RpcClient;
  try {
    client = await RpcClient.connect(settings.paths.socketFile, 1_000);
  } catch {
    return null;
  }
  try {
    return await client.call<DaemonView>('ping');
  } catch {
    return null;
  } finally {
    client.close();
  }
}

export interface StartResult {
  readonly daemon: DaemonView;
  readonly alreadyRunning: boolean;
}

// Idempotent: an already running daemon is reported, not duplicated.
export async function startDaemon(settings: Settings, cliPath: string): Promise<StartResult> {
  const running = await pingDaemon(settings);
  if (running) return { daemon: running, alreadyRunning: true };
  const errorFile = settings.paths.startupErrorFile;
  await rm(errorFile, { force: true });
  await mkdir(settings.paths.logsDir, { recursive: true });
  const out = await open(settings.paths.daemonOut, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMUXORCH_HOME: settings.home,
    TMUXORCH_SESSION: settings.session,
  };
  if (settings.socket.name) env.TMUXORCH_SOCKET = settings.socket.name;
  delete env.TMUX;
  delete env.TMUX_PANE;
  const child = spawn(process.execPath, [cliPath, 'daemon'], {
    detached: true,
    stdio: ['ignore', out.fd, out.fd],
    env,
    cwd: settings.home,
  });
  child.unref();
  await out.close();
  const pid = child.pid ?? 0;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const daemon = await pingDaemon(settings);
    if (daemon) return { daemon, alreadyRunning: false };
    const reported = await readStartupError(errorFile);
    if (reported) throw reported;
    if (pid && !isAlive(pid)) {
      throw (
        (await readStartupError(errorFile)) ??
        new DaemonStartError(`the daemon exited during start-up: see ${settings.paths.daemonOut}`, { pid })
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new DaemonStartError(
    `the daemon did not answer within ${START_TIMEOUT_MS / 1000} s: see ${settings.paths.controllerLog}`,
    {
      pid,
    },
  );
}

async function readStartupError(file: string): Promise<Error | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    };
    const error = parsed.error;
    if (!error?.message) return null;
    const code = error.code && isErrorCode(error.code) ? error.code : 'DAEMON_START_FAILED';
    return fromErrorPayload({ code, message: error.message, details: error.details ?? {} });
  } catch {
    return null;
  }
}

// Asks the daemon to stop and waits until its process is gone.
export async function stopDaemon(settings: Settings, killWorkers: boolean): Promise<DaemonView | null> {
  const daemon = await pingDaemon(settings);
  if (!daemon) return null;
  const client = await RpcClient.connect(settings.paths.socketFile);
  try {
    await client.call('stop', { killWorkers });
  } catch {
    // The daemon may close the connection while stopping.
  } finally {
    client.close();
  }
  const deadline = Date.now() + 15_000;
  while (isAlive(daemon.pid) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  if (isAlive(daemon.pid)) process.kill(daemon.pid, 'SIGKILL');
  return daemon;
}
