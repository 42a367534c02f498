// `mkdir -p` that always ends. Node's own recursive mkdir steps back to the
// parent on ENOENT and forward again when the parent exists, forever, where a parent exists but
// cannot hold a new child: a path under /proc or /sys, or a dangling symlink. The promise never
// settles while a thread-pool thread spins at a full core (`run --junit /proc/nope/j.xml` did
// this for over ten minutes; the run, already finished, waited on it and so never exited). Here
// the walk up looks only for the nearest directory that exists, and each mkdir on the way down
// happens once: an ENOENT there is final.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function notADirectory(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), {
    code: 'ENOTDIR',
    path,
  });
}

// Creates `dir` and its missing parents (each with `mode`); a directory that exists is fine.
export async function makeDirectory(dir: string, mode = 0o700): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(dir); ;) {
    const found = await stat(current).catch((error: unknown) => {
      if (errnoOf(error) === 'ENOENT') return null;
      throw error;
    });
    if (found) {
      if (!found.isDirectory()) throw notADirectory(current);
      break;
    }
    const parent = dirname(current);
    // ENOENT at the root: nothing exists to build on.
    if (parent === current) throw notADirectory(current);
    missing.push(current);
    current = parent;
  }
  for (const path of missing.reverse()) {
    try {
      await mkdir(path, { mode });
    } catch (error) {
      // Made meanwhile by another process: fine if it is a directory now.
      if (errnoOf(error) !== 'EEXIST') throw error;
      const now = await stat(path).catch(() => null);
      if (!now?.isDirectory()) throw notADirectory(path);
    }
  }
}
