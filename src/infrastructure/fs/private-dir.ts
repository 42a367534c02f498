// Directories only their user can change or read: the home, its state/ and logs/, the socket's
// directory. Another local user must not be able to plant a file, a symbolic link or a program
// there (state/bin is first on every pane's PATH), nor read a log. So every directory tmuxorch
// makes is 0700 whatever the umask, and one that already exists is used only when it is ours,
// a real directory, and writable by nobody else; every directory above it must be owned by us or
// root and, when others may write it, sticky (as /tmp is), or it could be renamed under us.
import { chmodSync, lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { HomeUnsafeError } from '../../domain/errors.js';

const S_ISVTX = 0o1000;

function ownUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function refuse(message: string, path: string): never {
  throw new HomeUnsafeError(message, { path });
}

// Checks a directory tmuxorch keeps private; tightens one of ours that others could only read
// (made 0755 by an older version or a umask of 022) to 0700.
export function assertPrivateDir(dir: string, what = 'directory'): void {
  const stats = lstatOrNull(dir);
  if (!stats) refuse(`the ${what} ${dir} does not exist`, dir);
  if (stats.isSymbolicLink())
    refuse(
      `the ${what} ${dir} is a symbolic link: tmuxorch uses only a real directory there; remove the link`,
      dir,
    );
  if (!stats.isDirectory()) refuse(`the ${what} ${dir} is not a directory: move that file away`, dir);
  const uid = ownUid();
  if (uid !== null && stats.uid !== uid)
    refuse(
      `the ${what} ${dir} belongs to another user (uid ${stats.uid}): use a home of your own (TMUXORCH_HOME or --home)`,
      dir,
    );
  if ((stats.mode & 0o022) !== 0)
    refuse(
      `the ${what} ${dir} is writable by other users, so its files cannot be trusted: check them, then run chmod 700 ${dir}`,
      dir,
    );
  if ((stats.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

// Checks every directory above `dir` (its real path): owned by us or root, and sticky when others
// may write it.
export function assertSafeAncestors(dir: string): void {
  const uid = ownUid();
  if (uid === null) return;
  // Before the directory exists, from the nearest one that does.
  let existing = dir;
  while (lstatOrNull(existing) === null && dirname(existing) !== existing) existing = dirname(existing);
  let current = existing === dir ? dirname(realpathSync(dir)) : realpathSync(existing);
  for (;;) {
    const stats = lstatSync(current);
    if (stats.uid !== uid && stats.uid !== 0)
      refuse(
        `${current}, a directory above ${dir}, belongs to another user (uid ${stats.uid}), who could replace what is below it: use a home elsewhere`,
        current,
      );
    if ((stats.mode & 0o022) !== 0 && (stats.mode & S_ISVTX) === 0)
      refuse(
        `${current}, a directory above ${dir}, is writable by other users and not sticky, so they could replace what is below it: run chmod o-w,g-w ${current} or use a home elsewhere`,
        current,
      );
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

// Checks what is above `dir`, makes it (and any missing parent) 0700, then checks it: a refused
// home is left as it was.
export function ensurePrivateDir(dir: string, what = 'directory'): void {
  assertSafeAncestors(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertPrivateDir(dir, what);
}
