// Moving a branch (the project's main, once the integration passed) forward to a commit, only ever
// as a fast-forward and without checking out a branch another worktree holds.
import { WorkspaceError } from '../../domain/errors.js';
import { git, type GitRunOptions } from './git.js';
import { branchTip, commitOf, isAncestor, short, statusLines } from './git-queries.js';
import { listWorktrees, shortBranch } from './worktree-list.js';

export interface AdvanceRequest {
  readonly project: string;
  // The branch to move.
  readonly target: string;
  // The commit-ish to move it to.
  readonly to: string;
}

export async function worktreeHolding(
  project: string,
  branch: string,
  options: GitRunOptions = {},
): Promise<string | null> {
  const name = shortBranch(branch);
  const entry = (await listWorktrees(project, options)).find((e) => e.branch === name && !e.prunable);
  return entry?.path ?? null;
}

export async function advanceBranch(request: AdvanceRequest, options: GitRunOptions = {}): Promise<void> {
  const { project, to } = request;
  const target = shortBranch(request.target);
  const old = await branchTip(project, target, options);
  if (!old)
    throw new WorkspaceError(`cannot advance ${target}: no such branch in ${project}`, { project, target });
  const sha = await commitOf(project, to, options);
  if (!sha)
    throw new WorkspaceError(`cannot advance ${target}: ${to} names no commit in ${project}`, {
      project,
      to,
    });
  if (sha === old) return;
  if (!(await isAncestor(project, old, sha, options))) {
    throw new WorkspaceError(
      `cannot advance ${target} to ${short(sha)}: not a fast-forward (${short(sha)} does not contain ${target}'s commit ${short(old)})`,
      { project, target, to: sha, current: old },
    );
  }
  const holder = await worktreeHolding(project, target, options);
  if (holder === null) {
    // Compare-and-swap: if the branch moved since it was read, git refuses rather than lose that.
    await git(
      project,
      ['update-ref', '-m', `tmuxorch: fast-forward to ${sha}`, `refs/heads/${target}`, sha, old],
      options,
    );
    return;
  }
  // Checked out somewhere (often the user's own project directory): moving the ref alone would
  // leave that worktree's files and index behind its HEAD, so the worktree itself fast-forwards.
  // Untracked files do not count as unclean: git refuses by itself to overwrite one.
  const changes = await statusLines(holder, false, options);
  if (changes.length > 0) {
    throw new WorkspaceError(
      `cannot advance ${target}: it is checked out in ${holder}, which has uncommitted changes (${changes[0]?.trim()})`,
      { project, target, worktree: holder, changes },
    );
  }
  await git(holder, ['merge', '--ff-only', '--quiet', sha], options);
}
