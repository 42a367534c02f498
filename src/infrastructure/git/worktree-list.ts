// The worktrees of a repository, as `git worktree list --porcelain` reports them, and the path
// comparisons that decide whether a directory is one of them.
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { git, type GitRunOptions } from './git.js';

export interface WorktreeEntry {
  readonly path: string;
  readonly head: string | null;
  // The short branch name; null when detached (or bare).
  readonly branch: string | null;
  readonly bare: boolean;
  // Registered, but its directory is gone: `git worktree prune` would forget it.
  readonly prunable: boolean;
}

// Parses the porcelain format: blocks separated by an empty line, one `key value` a line. Lines
// (not `-z`, which needs git 2.36; Ubuntu 22.04 ships 2.34): a path with a newline is not handled.
export function parseWorktreeList(text: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    let path: string | null = null;
    let head: string | null = null;
    let branch: string | null = null;
    let bare = false;
    let prunable = false;
    for (const line of block.split('\n')) {
      const space = line.indexOf(' ');
      const key = space === -1 ? line : line.slice(0, space);
      const value = space === -1 ? '' : line.slice(space + 1);
      if (key === 'worktree') path = value;
      else if (key === 'HEAD') head = value;
      else if (key === 'branch') branch = value.replace(/^refs\/heads\//, '');
      else if (key === 'bare') bare = true;
      else if (key === 'prunable') prunable = true;
    }
    if (path !== null) entries.push({ path, head, branch, bare, prunable });
  }
  return entries;
}

export async function listWorktrees(project: string, options: GitRunOptions = {}): Promise<WorktreeEntry[]> {
  return parseWorktreeList(await git(project, ['worktree', 'list', '--porcelain'], options));
}

// The canonical form of a path for comparisons: git records worktree paths as it resolved them,
// the caller may have given a path through a symbolic link (macOS's /tmp, a linked home).
export async function canonicalPath(path: string): Promise<string> {
  const absolute = resolve(path);
  return realpath(absolute).catch(() => absolute);
}

export async function samePath(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  const [ca, cb] = await Promise.all([canonicalPath(a), canonicalPath(b)]);
  return ca === cb;
}

export async function findWorktree(
  entries: readonly WorktreeEntry[],
  path: string,
): Promise<WorktreeEntry | null> {
  for (const entry of entries) if (await samePath(entry.path, path)) return entry;
  return null;
}

export function shortBranch(branch: string): string {
  return branch.replace(/^refs\/heads\//, '');
}
