// Creating a step's worktree (idempotently, so a resumed workflow finds its own again) and
// removing it only once nothing in it could be lost.
import { lstat, readdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { WorkspaceError } from '../../domain/errors.js';
import { makeDirectory } from '../fs/make-directory.js';
import { git, type GitRunOptions } from './git.js';
import { branchTip, commitOf, commitsNotIn, isAncestor, plural, statusLines } from './git-queries.js';
import { findWorktree, listWorktrees, shortBranch } from './worktree-list.js';

export interface WorktreeRequest {
  readonly project: string;
  readonly path: string;
  readonly branch: string;
  // A commit-ish; pass a sha to make a resumed diff against it mean the same thing.
  readonly base: string;
}

export interface Worktree {
  readonly path: string;
  readonly branch: string;
  readonly base: string;
}

async function existsAsNonEmpty(path: string): Promise<'missing' | 'empty-dir' | 'other'> {
  const stats = await lstat(path).catch(() => null);
  if (!stats) return 'missing';
  if (stats.isDirectory() && (await readdir(path)).length === 0) return 'empty-dir';
  return 'other';
}

export async function createWorktree(
  request: WorktreeRequest,
  options: GitRunOptions = {},
): Promise<Worktree> {
  const { project, base } = request;
  const branch = shortBranch(request.branch);
  const path = resolve(request.path);
  let entries = await listWorktrees(project, options);
  const existing = await findWorktree(entries, path);
  if (existing && !existing.prunable) {
    if (existing.branch === branch) return { path, branch, base };
    const on = existing.branch ? `branch ${existing.branch}` : 'a detached HEAD';
    throw new WorkspaceError(`${path} is already a worktree on ${on}, not on branch ${branch}`, {
      path,
      branch,
      found: existing.branch,
    });
  }
  if (existing?.prunable) {
    // Registered but its directory was deleted: git refuses to add there until it forgets it.
    await git(project, ['worktree', 'prune'], options);
    entries = await listWorktrees(project, options);
  }
  const state = await existsAsNonEmpty(path);
  if (state === 'other') {
    throw new WorkspaceError(
      `${path} already exists and is not a worktree of ${project} on branch ${branch}`,
      {
        path,
        branch,
      },
    );
  }
  const holder = entries.find((e) => e.branch === branch);
  if (holder) {
    throw new WorkspaceError(`branch ${branch} is already checked out in ${holder.path}`, {
      path,
      branch,
      holder: holder.path,
    });
  }
  await makeDirectory(dirname(path), 0o700);
  if (await branchTip(project, branch, options)) {
    // A step resumed after its worktree was removed by hand: its commits live on in the branch.
    await git(project, ['worktree', 'add', '--quiet', path, branch], options);
  } else {
    if (!(await commitOf(project, base, options))) {
      throw new WorkspaceError(`the base ${base} names no commit in ${project}`, { project, base });
    }
    // --no-track: a base such as origin/main must not become the branch's upstream, or a plain
    // `git push` from the step's worktree would push to main.
    await git(project, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, path, base], options);
  }
  return { path, branch, base };
}

export interface RemoveRequest {
  readonly project: string;
  readonly path: string;
  readonly branch: string;
  // The branch (or commit-ish) the work must be merged into before it may go.
  readonly into: string;
  // Only say whether it would go (`prune --dry-run`): every check, nothing removed.
  readonly dryRun?: boolean;
}

export interface RemoveOutcome {
  readonly removed: boolean;
  readonly reason: string;
}

// Why the branch's commits are safe elsewhere, or null when they are not.
async function whereKept(
  project: string,
  branch: string,
  tip: string,
  into: string,
  options: GitRunOptions,
): Promise<string | null> {
  if (await isAncestor(project, tip, into, options)) return `branch ${branch} is merged into ${into}`;
  const remotes = await git(
    project,
    ['for-each-ref', '--format=%(refname:short)', '--contains', tip, 'refs/remotes/'],
    options,
  );
  const remote = remotes.split('\n').find((line) => line !== '');
  return remote ? `branch ${branch} is pushed (${remote})` : null;
}

export async function removeWorktree(
  request: RemoveRequest,
  options: GitRunOptions = {},
): Promise<RemoveOutcome> {
  const { project, into } = request;
  const branch = shortBranch(request.branch);
  const path = resolve(request.path);
  if (!(await commitOf(project, into, options))) {
    throw new WorkspaceError(`${into} names no commit in ${project}`, { project, into });
  }
  const entries = await listWorktrees(project, options);
  const entry = await findWorktree(entries, path);
  const live = entry && !entry.prunable ? entry : null;
  if (live && live.branch !== branch) {
    const on = live.branch ? `branch ${live.branch}` : 'a detached HEAD';
    return { removed: false, reason: `${path} is on ${on}, not on branch ${branch}` };
  }
  if (live) {
    const changes = await statusLines(path, true, options);
    if (changes.length > 0) {
      return {
        removed: false,
        reason: `${path} has uncommitted changes (${plural(changes.length, 'file')})`,
      };
    }
  }
  const elsewhere = entries.find((e) => e.branch === branch && e !== live && !e.prunable);
  if (elsewhere) return { removed: false, reason: `branch ${branch} is checked out in ${elsewhere.path}` };
  const tip = await branchTip(project, branch, options);
  let reason = `branch ${branch} no longer exists`;
  if (tip) {
    const kept = await whereKept(project, branch, tip, into, options);
    if (!kept) {
      const n = await commitsNotIn(project, tip, into, options);
      return {
        removed: false,
        reason: `branch ${branch} has ${plural(n, 'commit')} not merged into ${into}`,
      };
    }
    reason = kept;
  }
  if (request.dryRun) return { removed: true, reason };
  // Clean (checked above), so no --force: git itself still refuses a locked worktree.
  if (live) await git(project, ['worktree', 'remove', path], options);
  else if (entry?.prunable) await git(project, ['worktree', 'prune'], options);
  // Compare-and-swap on the tip that was judged: a commit added meanwhile keeps the branch.
  if (tip) await git(project, ['update-ref', '-d', `refs/heads/${branch}`, tip], options);
  return { removed: true, reason };
}
