// The files git ignores in a workspace (`.env`, build output), each with its size and mtime: a
// step's commit does not hold them, so the diff audit compares this listing before and after the
// step to see what it wrote there. One line per file; a large ignored tree (node_modules) costs a
// stat per file.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { git, type GitRunOptions } from './git.js';
import { unguardedArgs } from './workspace-guards.js';

// path (relative to the workspace) → "size:mtimeMs" (a symbolic link: its own).
export type IgnoredFiles = Record<string, string>;

export async function ignoredFiles(path: string, options: GitRunOptions = {}): Promise<IgnoredFiles> {
  const out = await git(
    path,
    [...unguardedArgs(), 'ls-files', '--others', '--ignored', '--exclude-standard', '-z'],
    options,
  );
  const files: IgnoredFiles = {};
  for (const name of out.split('\0')) {
    if (name === '') continue;
    const stats = await lstat(join(path, name)).catch(() => null);
    if (stats) files[name] = `${stats.size}:${stats.mtimeMs}`;
  }
  return files;
}

// What changed between two listings: written, made or removed.
export function changedIgnored(before: IgnoredFiles, after: IgnoredFiles): string[] {
  const changed = Object.keys(after).filter((name) => before[name] !== after[name]);
  const removed = Object.keys(before).filter((name) => !(name in after));
  return [...changed, ...removed].sort();
}
