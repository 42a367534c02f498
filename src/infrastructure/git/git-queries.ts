// Small questions asked of a repository (what a ref points at, ancestry, what is uncommitted),
// shared by the workspace operations.
import { git, gitFailure, runGit, type GitRunOptions } from './git.js';

// The commit a revision names, or null when it names none.
export async function commitOf(
  cwd: string,
  rev: string,
  options: GitRunOptions = {},
): Promise<string | null> {
  const result = await runGit(
    cwd,
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`],
    options,
  );
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

export async function branchTip(
  cwd: string,
  branch: string,
  options: GitRunOptions = {},
): Promise<string | null> {
  return commitOf(cwd, `refs/heads/${branch}`, options);
}

// Whether `ancestor` is contained in `descendant` (equal counts).
export async function isAncestor(
  cwd: string,
  ancestor: string,
  descendant: string,
  options: GitRunOptions = {},
): Promise<boolean> {
  const args = ['merge-base', '--is-ancestor', ancestor, descendant];
  const result = await runGit(cwd, args, options);
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  // 128: a revision that names no commit.
  throw gitFailure(cwd, args, result);
}

// `git status --porcelain` lines: changes to tracked files, and untracked (not ignored) files
// unless `untracked` is false.
export async function statusLines(
  cwd: string,
  untracked: boolean,
  options: GitRunOptions = {},
): Promise<string[]> {
  const args = ['status', '--porcelain=v1', `--untracked-files=${untracked ? 'normal' : 'no'}`];
  const out = await git(cwd, args, options);
  return out.split('\n').filter((line) => line !== '');
}

// The number of commits of `from` that `into` does not contain.
export async function commitsNotIn(
  cwd: string,
  from: string,
  into: string,
  options: GitRunOptions = {},
): Promise<number> {
  const out = await git(cwd, ['rev-list', '--count', from, '--not', into], options);
  return Number.parseInt(out.trim(), 10);
}

export function short(sha: string): string {
  return sha.slice(0, 12);
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// The git directory of the work tree at `cwd` (a linked worktree's own, under the repository's
// .git/worktrees), or undefined when `cwd` is not in one.
export async function gitDirOf(cwd: string, options: GitRunOptions = {}): Promise<string | undefined> {
  const result = await runGit(cwd, ['rev-parse', '--path-format=absolute', '--git-dir'], options);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}
