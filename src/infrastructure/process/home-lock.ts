// One daemon per home: an flock(2) lock on state/daemon.lock, held for the daemon's whole life.
// The kernel drops it when the process ends however it ends (kill -9 included), so there is no
// stale lock to guess about, unlike a pid file created with O_EXCL, where a reader that finds the
// file still empty cannot tell a starting daemon from a dead one.
//
// Node has no flock. util-linux's flock(1) takes the lock on a descriptor it inherits: the lock
// belongs to the open file description, which this process keeps open after flock(1) exits, so it
// is this process's until it closes the descriptor or dies. Node opens files close-on-exec, so no
// other child (tmux, a worker) inherits the descriptor and outlives us holding the lock.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { DaemonStartError } from '../../domain/errors.js';

export interface HomeLock {
  release(): void;
}

const OPEN_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;

// Takes the lock without waiting: the lock, or null when another process holds it.
export function tryLockHome(file: string): HomeLock | null {
  const fd = openSync(file, OPEN_FLAGS, 0o600);
  const result = spawnSync('flock', ['--nonblock', '--exclusive', '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    timeout: 10_000,
  });
  if (result.status === 0) {
    let held = true;
    return {
      release: () => {
        if (held) closeSync(fd);
        held = false;
      },
    };
  }
  closeSync(fd);
  if (result.status === 1) return null;
  const why = result.error
    ? (result.error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'flock(1) was not found: install util-linux'
      : result.error.message
    : String(result.stderr).trim() || `flock exited with ${result.status}`;
  throw new DaemonStartError(`could not lock ${file}: ${why}`, { file });
}

// Whether some process holds the lock now (for `recover`, `start` and tests).
export function isHomeLocked(file: string): boolean {
  let lock: HomeLock | null;
  try {
    lock = tryLockHome(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  lock?.release();
  return lock === null;
}
