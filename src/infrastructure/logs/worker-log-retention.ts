// Logs of workers that no longer exist: a removed worker's pane log (and its rotated `.1`) is kept
// for a while after its last write, for `tmuxorch logs` and post-mortems, then deleted. Logs of
// live workers are never touched here (rotation bounds those).
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const REMOVED_WORKER_LOG_DAYS = 7;

const LOG_NAME = /^(w-[A-Za-z0-9_-]+)\.log(\.1)?$/;

export interface WorkerLogPruning {
  readonly dir: string;
  readonly liveWorkerIds: ReadonlySet<string>;
  readonly now: number;
  readonly maxAgeMs?: number;
}

// Deletes what the rule above says; returns the files deleted.
export async function pruneRemovedWorkerLogs(options: WorkerLogPruning): Promise<string[]> {
  const maxAgeMs = options.maxAgeMs ?? REMOVED_WORKER_LOG_DAYS * 24 * 60 * 60 * 1000;
  let names: string[];
  try {
    names = await readdir(options.dir);
  } catch {
    return [];
  }
  const deleted: string[] = [];
  for (const name of names) {
    const id = LOG_NAME.exec(name)?.[1];
    if (id === undefined || options.liveWorkerIds.has(id)) continue;
    const file = join(options.dir, name);
    const stats = await stat(file).catch(() => null);
    if (!stats?.isFile() || options.now - stats.mtimeMs < maxAgeMs) continue;
    await rm(file, { force: true });
    deleted.push(file);
  }
  return deleted;
}
