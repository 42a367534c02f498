// The git side of workflow steps: a worktree and branch per editing step, the patch a step made,
// the integration merges, moving the project's branch forward, and cleaning up after. Each
// operation lives in a module of its own; this class only binds them to its options.
import { git, type GitRunOptions } from './git.js';
import { branchTip } from './git-queries.js';
import { ignoredFiles, type IgnoredFiles } from './ignored-files.js';
import { advanceBranch, worktreeHolding, type AdvanceRequest } from './advance-branch.js';
import { mergeBranches, type MergeOutcome, type MergeRequest } from './merge-branches.js';
import { commitAll, copyProject, diff, headCommit, isRepository, type HeadCommit } from './snapshots.js';
import {
  createWorktree,
  removeWorktree,
  type RemoveOutcome,
  type RemoveRequest,
  type Worktree,
  type WorktreeRequest,
} from './worktrees.js';

export type { AdvanceRequest } from './advance-branch.js';
export type { MergeOutcome, MergeRequest, Verify, VerifyResult } from './merge-branches.js';
export type { HeadCommit } from './snapshots.js';
export type { RemoveOutcome, RemoveRequest, Worktree, WorktreeRequest } from './worktrees.js';

export interface GitWorkspacesOptions {
  // Added to every git run's environment (tests point GIT_CONFIG_GLOBAL at an empty file).
  readonly env?: Readonly<Record<string, string>>;
}

export class GitWorkspaces {
  private readonly run: GitRunOptions;

  constructor(options: GitWorkspacesOptions = {}) {
    this.run = options.env ? { env: options.env } : {};
  }

  isRepository(dir: string): Promise<boolean> {
    return isRepository(dir, this.run);
  }

  headCommit(project: string): Promise<HeadCommit> {
    return headCommit(project, this.run);
  }

  // The commit a branch points at, null when there is no such branch.
  branchTip(project: string, branch: string): Promise<string | null> {
    return branchTip(project, branch, this.run);
  }

  createWorktree(request: WorktreeRequest): Promise<Worktree> {
    return createWorktree(request, this.run);
  }

  commitAll(path: string, message: string): Promise<string | null> {
    return commitAll(path, message, this.run);
  }

  diff(path: string, base: string): Promise<string> {
    return diff(path, base, this.run);
  }

  // The paths changed from `base` to HEAD (a rename is its two paths).
  async changedPaths(path: string, base: string): Promise<string[]> {
    const out = await git(path, ['diff', '--name-only', '--no-renames', '-z', base, 'HEAD', '--'], this.run);
    return out.split('\0').filter((p) => p !== '');
  }

  // The files git ignores there, with their sizes and mtimes (ignored-files.ts).
  ignoredFiles(path: string): Promise<IgnoredFiles> {
    return ignoredFiles(path, this.run);
  }

  merge(request: MergeRequest): Promise<MergeOutcome> {
    return mergeBranches(request, this.run);
  }

  advanceBranch(request: AdvanceRequest): Promise<void> {
    return advanceBranch(request, this.run);
  }

  worktreeHolding(project: string, branch: string): Promise<string | null> {
    return worktreeHolding(project, branch, this.run);
  }

  removeWorktree(request: RemoveRequest): Promise<RemoveOutcome> {
    return removeWorktree(request, this.run);
  }

  copyProject(src: string, dest: string): Promise<string> {
    return copyProject(src, dest, this.run);
  }
}
