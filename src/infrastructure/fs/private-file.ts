// Files only their owner may read, made fresh: a file that holds a secret for a moment (a worker's
// env, the pane-log filter's values, a task script with a secret in it) must not follow a symlink
// planted in its place, reuse a file someone else made, or get a wider mode from the umask.
import { closeSync, constants, fchmodSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

const FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;

// Creates `file` (which must not exist) with mode 0600 and writes `text` into it; its directory is
// made 0700 when missing.
export async function writePrivateFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, FLAGS, 0o600);
  try {
    await handle.chmod(0o600); // whatever the umask
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

// The same, synchronously (the task dispatch path writes small files without a thread-pool trip).
// A file already there is replaced: unlinked first, so the new one is surely ours and 0600.
export function writePrivateFileSync(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  rmSync(file, { force: true });
  const fd = openSync(file, FLAGS, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
