// Where a run will write (--junit FILE, --out DIR), checked before the run starts: a run that
// cannot keep its report must not run first and fail at the end. A path is fine when its nearest
// existing ancestor is a directory in which this process can really create a file (a probe file,
// removed at once): permission bits alone would pass /proc, or a read-only mount, for root.
import { randomBytes } from 'node:crypto';
import { lstat, open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { UsageError } from '../../domain/errors.js';

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    // ENOTDIR: a file on the way; the walk up finds it and says so.
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return null;
    throw error;
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'a read-only file system',
  ENOENT: 'it cannot hold new files',
  ENOSPC: 'no space left',
  EDQUOT: 'over quota',
};

// The nearest existing ancestor of `path` (not `path` itself) must be a directory we can write in.
async function checkCanCreate(flag: string, path: string): Promise<void> {
  let ancestor = dirname(path);
  let found = await statOrNull(ancestor);
  while (!found && dirname(ancestor) !== ancestor) {
    // Missing, or a symlink to nothing: no directory could be made there.
    if (
      await lstat(ancestor).then(
        (link) => link.isSymbolicLink(),
        () => false,
      )
    )
      throw new UsageError(`${flag} ${path}: ${ancestor} is a symbolic link to nothing`, { path, ancestor });
    ancestor = dirname(ancestor);
    found = await statOrNull(ancestor);
  }
  if (!found) throw new UsageError(`${flag} ${path}: none of its parent directories exists`, { path });
  if (!found.isDirectory())
    throw new UsageError(`${flag} ${path}: ${ancestor} is not a directory`, { path, ancestor });
  const probe = join(ancestor, `.tmuxorch-probe-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(probe, 'wx', 0o600);
    await handle.close();
  } catch (error) {
    const code = errnoOf(error) ?? 'unknown';
    throw new UsageError(`${flag} ${path}: cannot write in ${ancestor} (${REASONS[code] ?? code})`, {
      path,
      ancestor,
      errno: code,
    });
  }
  await rm(probe, { force: true });
}

// A file the run will (re)write: not a directory, nor a device or pipe (the atomic write renames
// over it, which would replace a /dev node). Returns its absolute path.
export async function checkOutputFile(flag: string, file: string, cwd = process.cwd()): Promise<string> {
  if (file.trim() === '') throw new UsageError(`${flag} needs a file name`, {});
  const path = resolve(cwd, file);
  const found = await statOrNull(path);
  if (found?.isDirectory())
    throw new UsageError(`${flag} ${path} is a directory: give a file name`, { path });
  if (found && !found.isFile()) throw new UsageError(`${flag} ${path} is not a regular file`, { path });
  await checkCanCreate(flag, path);
  return path;
}

// A directory the run will create or fill. Returns its absolute path.
export async function checkOutputDirectory(flag: string, dir: string, cwd = process.cwd()): Promise<string> {
  if (dir.trim() === '') throw new UsageError(`${flag} needs a directory`, {});
  const path = resolve(cwd, dir);
  const found = await statOrNull(path);
  if (found && !found.isDirectory()) throw new UsageError(`${flag} ${path} is not a directory`, { path });
  // Inside it, as inside any missing part of it: the probe goes where the first file will.
  await checkCanCreate(flag, found ? join(path, 'x') : path);
  return path;
}
