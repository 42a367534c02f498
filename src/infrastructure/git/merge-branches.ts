// The integration step: the steps' branches merged one at a time into an integration worktree,
// each merge verified before the next, stopping at the first conflict or failed verification.
import { WorkspaceError } from '../../domain/errors.js';
import { git, gitFailure, runGit, type GitRunOptions } from './git.js';
import { commitOf, isAncestor, statusLines } from './git-queries.js';
import { shortBranch } from './worktree-list.js';
import { createWorktree } from './worktrees.js';

export interface VerifyResult {
  readonly ok: boolean;
  readonly output: string;
}

export type Verify = (worktreePath: string) => Promise<VerifyResult>;

export interface MergeRequest {
  readonly project: string;
  // The integration worktree and its branch, created from `base` unless they exist (resume).
  readonly path: string;
  readonly branch: string;
  readonly base: string;
  // Branch names, merged in this order.
  readonly sources: readonly string[];
  readonly verify: Verify | undefined;
}

// `merged` lists the sources the integration branch contains, in order, each one verified.
export type MergeOutcome =
  | { readonly status: 'merged'; readonly head: string; readonly merged: string[] }
  | {
      readonly status: 'conflict';
      readonly branch: string;
      readonly files: string[];
      readonly merged: string[];
    }
  | {
      readonly status: 'verify_failed';
      readonly branch: string;
      readonly output: string;
      readonly merged: string[];
    };

async function mergeInProgress(path: string, options: GitRunOptions): Promise<boolean> {
  return (await commitOf(path, 'MERGE_HEAD', options)) !== null;
}

// A merge left half-done (the daemon died mid-merge) is undone; anything else uncommitted is
// refused, since merging over it would mix it into the integration branch.
async function assertReady(path: string, options: GitRunOptions): Promise<void> {
  if (await mergeInProgress(path, options)) await git(path, ['merge', '--abort'], options);
  const changes = await statusLines(path, false, options);
  if (changes.length > 0) {
    throw new WorkspaceError(`the integration worktree ${path} has uncommitted changes: ${changes[0]}`, {
      path,
      changes,
    });
  }
}

async function unmergedFiles(path: string, options: GitRunOptions): Promise<string[]> {
  const out = await git(path, ['diff', '--name-only', '--diff-filter=U', '-z'], options);
  return [...new Set(out.split('\0').filter((f) => f !== ''))];
}

type OneMerge = { kind: 'merged' } | { kind: 'already' } | { kind: 'conflict'; files: string[] };

async function mergeOne(
  path: string,
  into: string,
  source: string,
  options: GitRunOptions,
): Promise<OneMerge> {
  // Resolved as a branch: a tag of the same name would win over it in `git merge <name>`.
  const sha = await commitOf(path, `refs/heads/${source}`, options);
  if (!sha) throw new WorkspaceError(`cannot merge ${source}: no such branch`, { path, branch: source });
  if (await isAncestor(path, sha, 'HEAD', options)) return { kind: 'already' };
  // --no-verify: the verify callback is the check, not the project's commit hooks;
  // --no-rerere-autoupdate: a conflict a recorded resolution "solved" must still be reported.
  const args = [
    'merge',
    '--no-ff',
    '--no-edit',
    '--no-verify',
    '--no-rerere-autoupdate',
    // The message git would write for `git merge <branch>`; the sha is the commit judged above.
    '--message',
    `Merge branch '${source}' into ${into}`,
    sha,
  ];
  const result = await runGit(path, args, options);
  if (result.exitCode === 0) return { kind: 'merged' };
  const files = await unmergedFiles(path, options);
  if (await mergeInProgress(path, options)) await git(path, ['merge', '--abort'], options);
  // Not a conflict: an untracked file in the way, unrelated histories, a refused hook.
  if (files.length === 0) throw gitFailure(path, args, result);
  return { kind: 'conflict', files };
}

// Runs verify, and on anything but a pass puts the integration branch back where it was: what it
// holds is always a sequence of verified merges, so a resumed run merges the failed one again.
async function verified(
  path: string,
  verify: Verify | undefined,
  before: string,
  options: GitRunOptions,
): Promise<VerifyResult> {
  if (!verify) return { ok: true, output: '' };
  let result: VerifyResult;
  try {
    result = await verify(path);
  } catch (error) {
    await git(path, ['reset', '--hard', '--quiet', before], options);
    throw error;
  }
  if (!result.ok) await git(path, ['reset', '--hard', '--quiet', before], options);
  // A passing verify may have rewritten tracked files (`npm install` and its lockfile, a
  // formatter): the integration branch is what was merged, and such leftovers would make the next
  // merge refuse ("local changes would be overwritten"), so they are dropped. Untracked build
  // output stays.
  else if ((await statusLines(path, false, options)).length > 0) {
    await git(path, ['reset', '--hard', '--quiet', 'HEAD'], options);
  }
  return result;
}

export async function mergeBranches(
  request: MergeRequest,
  options: GitRunOptions = {},
): Promise<MergeOutcome> {
  const { project, path: requestedPath, branch, base, sources, verify } = request;
  const { path } = await createWorktree({ project, path: requestedPath, branch, base }, options);
  await assertReady(path, options);
  const merged: string[] = [];
  for (const source of sources.map(shortBranch)) {
    const before = (await commitOf(path, 'HEAD', options)) ?? '';
    const outcome = await mergeOne(path, shortBranch(branch), source, options);
    if (outcome.kind === 'conflict')
      return { status: 'conflict', branch: source, files: outcome.files, merged };
    if (outcome.kind === 'merged') {
      const check = await verified(path, verify, before, options);
      if (!check.ok) return { status: 'verify_failed', branch: source, output: check.output, merged };
    }
    // Already contained (merged by an earlier, interrupted run, or nothing new): nothing to check.
    merged.push(source);
  }
  return { status: 'merged', head: (await commitOf(path, 'HEAD', options)) ?? '', merged };
}
