// Makes a home safe to use before anything is written in it: the home, state/, logs/ and the
// socket's directory 0700, ours and writable by nobody else (private-dir.ts says why), with one
// sentence saying how to fix what is not.
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HomeUnsafeError } from '../../domain/errors.js';
import { assertPrivateDir, ensurePrivateDir } from '../fs/private-dir.js';
import type { HomePaths } from './paths.js';

export function preparePrivateHome(paths: HomePaths): void {
  ensurePrivateDir(paths.home, 'tmuxorch home');
  for (const dir of [paths.stateDir, paths.logsDir, paths.workerLogsDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    assertPrivateDir(dir);
  }
  const socketDir = dirname(paths.socketFile);
  if (socketDir !== paths.stateDir) ensurePrivateDir(socketDir, 'socket directory');
}

// A file tmuxorch appends to must be a plain file, not a link someone planted to make us write
// elsewhere (the opens use O_NOFOLLOW as well; this gives the sentence).
export function assertNotSymlink(file: string): void {
  let isLink = false;
  try {
    isLink = lstatSync(file).isSymbolicLink();
  } catch {
    return;
  }
  if (isLink)
    throw new HomeUnsafeError(
      `${file} is a symbolic link: tmuxorch writes only to a file of its own there; remove the link`,
      {
        file,
      },
    );
}

// The daemon's socket path must hold nothing or a stale socket (the lock says no daemon owns it):
// anything else was put there by someone, and is not ours to delete.
export function assertSocketPathFree(socketFile: string): void {
  let stats;
  try {
    stats = lstatSync(socketFile);
  } catch {
    return;
  }
  if (!stats.isSocket())
    throw new HomeUnsafeError(
      `${socketFile}, where the daemon's socket goes, is not a socket: move it away`,
      {
        socket: socketFile,
      },
    );
}
