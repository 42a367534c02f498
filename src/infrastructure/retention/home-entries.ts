// What retention looks at on disk: the entries of a home's directories (flows/, runs/,
// state/tasks/, logs/workers/, queue/jobs/) with their size and last write, and the one way
// anything of them is deleted. Sizes count what is in a directory without following links (a
// worktree's symlink to elsewhere is not the home's bytes).
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { jobRecordSchema, type Job } from '../../domain/queue/job.js';
import { RUN_ID_PATTERN } from '../run/run-directory.js';

export interface HomeEntry {
  readonly name: string;
  readonly path: string;
  readonly bytes: number;
  // The newest write in it (ms since the epoch): a directory's own or any file's inside.
  readonly modifiedAt: number;
}

async function entriesOf(dir: string): Promise<Dirent[]> {
  return readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
}

// Bytes and newest write of a file or a directory tree (0 and 0 when it is gone meanwhile).
export async function usageOf(path: string): Promise<{ bytes: number; modifiedAt: number }> {
  const stats = await lstat(path).catch(() => null);
  if (!stats) return { bytes: 0, modifiedAt: 0 };
  let bytes = stats.isDirectory() ? 0 : stats.size;
  let modifiedAt = stats.mtimeMs;
  if (stats.isDirectory()) {
    for (const entry of await entriesOf(path)) {
      const inner = await usageOf(join(path, entry.name));
      bytes += inner.bytes;
      modifiedAt = Math.max(modifiedAt, inner.modifiedAt);
    }
  }
  return { bytes, modifiedAt };
}

// The entries of `dir` whose names match (directories or files, as asked), measured; or, with
// `measure` false, only their own size and time (a workflow run's worktrees can hold a project's
// node_modules: walked only when its size is needed).
export async function listEntries(
  dir: string,
  pattern: RegExp,
  type: 'directory' | 'file',
  measure = true,
): Promise<HomeEntry[]> {
  const found: HomeEntry[] = [];
  for (const entry of await entriesOf(dir)) {
    if (!pattern.test(entry.name)) continue;
    if (type === 'directory' ? !entry.isDirectory() : !entry.isFile()) continue;
    const path = join(dir, entry.name);
    const usage = measure
      ? await usageOf(path)
      : await lstat(path).then(
          (st) => ({ bytes: 0, modifiedAt: st.mtimeMs }),
          () => ({ bytes: 0, modifiedAt: 0 }),
        );
    found.push({ name: entry.name, path, ...usage });
  }
  return found;
}

export const FLOW_RUN_DIR = /^[a-z0-9][a-z0-9-]{0,40}$/;
export const RUN_REPORT_DIR = RUN_ID_PATTERN;
// Task ids as the runner makes them (t-…); anything else in state/tasks/ is not ours to judge.
export const TASK_DIR = /^t-[A-Za-z0-9_-]+$/;
export const WORKER_LOG = /^(w-[A-Za-z0-9_-]+)\.log(\.1)?$/;
export const JOB_FILE = /^(j[a-z0-9]+)\.json$/;

// A `tmuxorch run` directory's state: finished once report.json is there.
export async function hasReport(dir: string): Promise<boolean> {
  return lstat(join(dir, 'report.json')).then(
    (s) => s.isFile(),
    () => false,
  );
}

// The queue's jobs as their files say (for a home with no daemon: the daemon's own JobStore is
// not loaded here, since its load moves unreadable files aside, and a dry run changes nothing).
export async function readJobFiles(jobsDir: string): Promise<{ job: Job; entry: HomeEntry }[]> {
  const jobs: { job: Job; entry: HomeEntry }[] = [];
  for (const entry of await listEntries(jobsDir, JOB_FILE, 'file')) {
    const parsed = await readFile(entry.path, 'utf8')
      .then((text) => jobRecordSchema.safeParse(JSON.parse(text)))
      .catch(() => null);
    if (parsed?.success) jobs.push({ job: parsed.data as Job, entry });
  }
  return jobs;
}

export async function removeEntry(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
