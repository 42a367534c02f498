// The report files a job wrote (`reports:` globs, relative to its project), found after the job
// ends. Only files written since the job's last attempt started count: a report left from an
// earlier run (or attempt) must not pass for this one's. Symbolic links are not followed out of
// the project, and what is read is bounded, so a glob that matches too much costs little.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { glob } from 'tinyglobby';
import type { ReportFile } from '../../domain/run/job-tests.js';

// File times on some file systems are kept to the second or two (FAT, some network mounts).
export const MTIME_SLACK_MS = 2_000;
export const MAX_REPORT_FILES = 200;
export const MAX_REPORT_BYTES = 16 * 1024 * 1024;

// The files under `project` that `patterns` match and that changed at or after `sinceMs`, sorted
// by path, read as UTF-8.
export async function findReportFiles(
  project: string,
  patterns: readonly string[],
  sinceMs: number,
): Promise<ReportFile[]> {
  const paths = await glob([...patterns], {
    cwd: project,
    onlyFiles: true,
    followSymbolicLinks: false,
    expandDirectories: false,
  });
  const found: ReportFile[] = [];
  for (const path of [...new Set(paths)].sort()) {
    if (found.length >= MAX_REPORT_FILES) break;
    const file = join(project, path);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile() || info.mtimeMs < sinceMs - MTIME_SLACK_MS || info.size > MAX_REPORT_BYTES) continue;
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text !== null) found.push({ path, text });
  }
  return found;
}
