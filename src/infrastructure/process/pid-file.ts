// The daemon's pid file: written atomically, read defensively (a stale file names a dead pid).
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

// Claims the pid file for `pid` (O_EXCL, so two daemons starting at once cannot both win).
// Returns null on success, or the pid of the live daemon that holds it.
export async function acquirePidFile(file: string, pid: number): Promise<number | null> {
  await mkdir(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(`${pid}\n`);
      await handle.close();
      return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readPidFile(file);
      if (holder !== null && holder !== pid && isAlive(holder)) return holder;
      await rm(file, { force: true });
    }
  }
  return null;
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
