// Atomic file writes: temp file in the same directory, (fsync,) rename. A reader or a crashed
// process sees the old file or the new one, never half of one. `durable: false` skips the fsync
// (still atomic against a process crash; only an OS crash may lose the newest version): for
// files that can be rebuilt, on hot paths.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeDirectory } from './make-directory.js';

export interface AtomicWriteOptions {
  readonly mode?: number;
  readonly durable?: boolean;
}

export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions | number = {},
): Promise<void> {
  const { mode = 0o600, durable = true } = typeof options === 'number' ? { mode: options } : options;
  const dir = dirname(file);
  // Not Node's recursive mkdir: it never returns under /proc (see make-directory.ts).
  await makeDirectory(dir);
  const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  // A new file of our own (O_EXCL), never the target of a planted symbolic link.
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

// Removes the temp files a process killed between open and rename left beside `file`
// (`.<name>.<hex>.tmp`). Only for a file that has one writer, while that writer is not running.
export async function removeStaleTemps(file: string): Promise<number> {
  const dir = dirname(file);
  const prefix = `.${basename(file)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const stale = names.filter(
    (name) => name.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length)),
  );
  await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));
  return stale.length;
}
