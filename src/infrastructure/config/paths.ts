// Where a tmuxorch home keeps its files. Everything lives under TMUXORCH_HOME.
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomePaths {
  readonly home: string;
  readonly stateDir: string;
  readonly stateFile: string;
  readonly stateBackup: string;
  // Write-ahead journal of changes since state.json was last written.
  readonly stateJournal: string;
  readonly pidFile: string;
  // Held (flock) by the one daemon of this home for its whole life.
  readonly lockFile: string;
  readonly socketFile: string;
  // The secret the daemon and its clients prove to each other on every connection (0600).
  readonly daemonKeyFile: string;
  // Where a daemon that failed to start leaves its error for `start` to show.
  readonly startupErrorFile: string;
  readonly tasksDir: string;
  readonly logsDir: string;
  readonly controllerLog: string;
  readonly daemonOut: string;
  readonly workerLogsDir: string;
  readonly configFile: string;
  // Workflow runs, one directory each (flows/<run-id>/).
  readonly flowsDir: string;
  // The durable job queue (queue/jobs/<job-id>.json).
  readonly queueDir: string;
  // The HTTP API's tokens, as hashes only (infrastructure/service/token-store.ts).
  readonly tokensFile: string;
  // What the agents spent, by day (the budget's ledger).
  readonly spendFile: string;
  // Each policed worker's own key, for its hooks (infrastructure/ipc/worker-keys.ts).
  readonly workerKeysDir: string;
  // An empty file a sandbox shows in place of the daemon's key.
  readonly emptyKeyFile: string;
}

// Unix socket paths are limited to 107 bytes; a deep home gets a short socket in a directory only
// its user can enter, as tmux does with /tmp/tmux-<uid>/: $XDG_RUNTIME_DIR/tmuxorch/ when the
// session has one, else <tmp>/tmuxorch-<uid>/. Never a name in a world-writable directory itself:
// another user could listen there first. Its owner and mode are checked before every use.
const MAX_SOCKET_PATH = 100;

function privateSocketDir(env: NodeJS.ProcessEnv): string {
  if (env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/'))
    return join(env.XDG_RUNTIME_DIR, 'tmuxorch');
  return join(tmpdir(), `tmuxorch-${process.getuid?.() ?? 'user'}`);
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TMUXORCH_HOME ? resolve(env.TMUXORCH_HOME) : join(homedir(), '.tmuxorch');
}

export function homePaths(home: string, env: NodeJS.ProcessEnv = process.env): HomePaths {
  const abs = resolve(home);
  const stateDir = join(abs, 'state');
  const logsDir = join(abs, 'logs');
  let socketFile = join(stateDir, 'daemon.sock');
  if (Buffer.byteLength(socketFile) > MAX_SOCKET_PATH) {
    // Loaded only here: every CLI call computes these paths, and node:crypto costs ~5 ms to load.
    const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof Crypto;
    const hash = createHash('sha256').update(abs).digest('hex').slice(0, 16);
    socketFile = join(privateSocketDir(env), `${hash}.sock`);
  }
  return {
    home: abs,
    stateDir,
    stateFile: join(stateDir, 'state.json'),
    stateBackup: join(stateDir, 'state.json.bak'),
    stateJournal: join(stateDir, 'state.journal'),
    pidFile: join(stateDir, 'daemon.pid'),
    lockFile: join(stateDir, 'daemon.lock'),
    socketFile,
    daemonKeyFile: join(stateDir, 'daemon.key'),
    startupErrorFile: join(stateDir, 'startup-error.json'),
    tasksDir: join(stateDir, 'tasks'),
    logsDir,
    controllerLog: join(logsDir, 'controller.log'),
    daemonOut: join(logsDir, 'daemon.out'),
    workerLogsDir: join(logsDir, 'workers'),
    configFile: join(abs, 'config.json'),
    flowsDir: join(abs, 'flows'),
    spendFile: join(stateDir, 'spend.json'),
    workerKeysDir: join(stateDir, 'worker-keys'),
    emptyKeyFile: join(stateDir, 'no-key'),
    queueDir: join(abs, 'queue'),
    tokensFile: join(stateDir, 'tokens.json'),
  };
}

export function workerLogFile(paths: HomePaths, workerId: string): string {
  return join(paths.workerLogsDir, `${workerId}.log`);
}

export function taskDir(paths: HomePaths, taskId: string): string {
  return join(paths.tasksDir, taskId);
}
