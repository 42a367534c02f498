// `tmuxorch start`: spawns the daemon detached (its own process group, stdio to logs/daemon.out)
// and waits until its socket answers, or reports the daemon's own startup error.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonStartError, fromErrorPayload, isErrorCode } from '../domain/errors.js';
import type { DaemonView } from '../application/contract/views.js';
import { assertNotSymlink, preparePrivateHome } from '../infrastructure/config/private-home.js';
import type { Settings } from '../infrastructure/config/settings.js';
import { isAlive } from '../infrastructure/process/pid-file.js';
import { RpcClient } from './rpc-client.js';

const START_TIMEOUT_MS = 30_000;

// What `start --http [HOST:]PORT [--insecure-bind]` asks the daemon for.
export interface HttpListen {
  readonly host: string;
  readonly port: number;
  readonly insecureBind: boolean;
}

export const HTTP_ENV = 'TMUXORCH_HTTP';

// The running daemon's view, or null when none answers.
export async function pingDaemon(settings: Settings): Promise<DaemonView | null> {
  let client: RpcClient;
  try {
    client = await RpcClient.connect(settings.paths, 1_000);
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

// Idempotent, also when several run at once: exactly one daemon wins the home's lock, and every
// `start` answers "started" (its own daemon answers) or "already running" (another's does),
// naming the pid that really answers.
// `httpListen`: what `start --http` asked for, handed to the daemon (TMUXORCH_HTTP, which the
// daemon removes from its environment before anything inherits it).
export async function startDaemon(
  settings: Settings,
  cliPath: string,
  httpListen: HttpListen | null = null,
): Promise<StartResult> {
  preparePrivateHome(settings.paths);
  const running = await pingDaemon(settings);
  if (running) return { daemon: running, alreadyRunning: true };
  assertNotSymlink(settings.paths.daemonOut);
  const reportFile = join(settings.paths.stateDir, `start-${process.pid}-${Date.now().toString(36)}.json`);
  const out = await open(settings.paths.daemonOut, OUT_FLAGS, 0o600);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMUXORCH_HOME: settings.home,
    TMUXORCH_SESSION: settings.session,
    TMUXORCH_START_REPORT: reportFile,
  };
  if (settings.socket.name) env.TMUXORCH_SOCKET = settings.socket.name;
  if (httpListen) env[HTTP_ENV] = JSON.stringify(httpListen);
  else delete env[HTTP_ENV];
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
  try {
    return await awaitDaemon(settings, pid, reportFile, settings.http !== null || httpListen !== null);
  } finally {
    await rm(reportFile, { force: true });
  }
}

const OUT_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

async function awaitDaemon(
  settings: Settings,
  pid: number,
  reportFile: string,
  withHttp: boolean,
): Promise<StartResult> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lostTo: number | null | undefined;
  while (Date.now() < deadline) {
    const daemon = await pingDaemon(settings);
    // Its HTTP API starts after the socket: a start that asked for one waits for its URL too.
    if (daemon && (!withHttp || daemon.http !== null || daemon.pid !== pid))
      return { daemon, alreadyRunning: daemon.pid !== pid };
    const reported = await readStartReport(reportFile);
    if (reported instanceof Error) throw reported;
    // Another daemon of this home holds the lock: wait for it to answer, then say so.
    if (reported) lostTo = reported.pid;
    else if (lostTo === undefined && pid && !isAlive(pid)) {
      throw (
        (await readStartReport(reportFile)) ??
        new DaemonStartError(`the daemon exited during start-up: see ${settings.paths.daemonOut}`, { pid })
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const holder = lostTo ? ` (pid ${lostTo} holds ${settings.paths.lockFile})` : '';
  throw new DaemonStartError(
    `the daemon did not answer within ${START_TIMEOUT_MS / 1000} s${holder}: see ${settings.paths.controllerLog}`,
    { pid: lostTo ?? pid },
  );
}

// The daemon's word on how its start ended: an error, "another daemon holds the lock", or
// nothing yet.
async function readStartReport(file: string): Promise<Error | { pid: number | null } | null> {
  let parsed: {
    error?: { code?: string; message?: string; details?: Record<string, unknown> };
    alreadyRunning?: { pid?: number | null };
  };
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as typeof parsed;
  } catch {
    return null;
  }
  if (parsed.alreadyRunning) return { pid: parsed.alreadyRunning.pid ?? null };
  const error = parsed.error;
  if (!error?.message) return null;
  const code = error.code && isErrorCode(error.code) ? error.code : 'DAEMON_START_FAILED';
  return fromErrorPayload({ code, message: error.message, details: error.details ?? {} });
}

// Asks the daemon to stop and waits until its process is gone.
export async function stopDaemon(settings: Settings, killWorkers: boolean): Promise<DaemonView | null> {
  const daemon = await pingDaemon(settings);
  if (!daemon) return null;
  const client = await RpcClient.connect(settings.paths);
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
