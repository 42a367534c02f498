// The daemon's pid file: written atomically, read defensively (a stale file names a dead pid).
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-file.js';

// Records the lock holder's pid for others to read (`start`, `stop`, tests). Written atomically, so a
// reader sees no file or a whole pid, never an empty one; the lock (home-lock.ts), not this file,
// decides who the daemon is.
export async function writePidFile(file: string, pid: number): Promise<void> {
  await writeFileAtomic(file, `${pid}\n`, { mode: 0o600, durable: false });
}

export async function readPidFile(file: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

// Removes the pid file only if it still names `pid` (a newer daemon may have replaced it).
export async function removePidFile(file: string, pid: number): Promise<void> {
  if ((await readPidFile(file)) === pid) await rm(file, { force: true });
}

// A zombie (exited, not yet reaped: e.g. a SIGKILLed daemon whose parent is an init that reaps
// slowly or never, as in containers) still answers kill(pid, 0) but is not alive.
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state === 'Z' || state === 'X';
  } catch {
    return false; // no /proc (macOS): kill(pid, 0) is all we know
  }
}
