// What a step left in its worktree: its HEAD, a commit of everything (agents often commit
// nothing), the patch against the step's base, and the copy a non-git project is worked on in.
import { unguardedArgs } from './workspace-guards.js';
import { cp, lstat, mkdtemp, readdir, rm, stat, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { WorkspaceError } from '../../domain/errors.js';
import { makeDirectory } from '../fs/make-directory.js';
import { git, runGit, type GitRunOptions } from './git.js';
import { commitOf, statusLines } from './git-queries.js';
import { samePath } from './worktree-list.js';

export interface HeadCommit {
  readonly sha: string;
  // Null when HEAD is detached.
  readonly branch: string | null;
  // Uncommitted changes to tracked files, or untracked files that are not ignored.
  readonly dirty: boolean;
}

// True for a directory inside a git work tree (a subdirectory of one too); false for anything
// else, including a bare repository and a path that does not exist.
export async function isRepository(dir: string, options: GitRunOptions = {}): Promise<boolean> {
  const stats = await stat(dir).catch(() => null);
  if (!stats?.isDirectory()) return false;
  const result = await runGit(dir, ['rev-parse', '--is-inside-work-tree'], options);
  return result.exitCode === 0 && result.stdout.trim() === 'true';
}

export async function headCommit(project: string, options: GitRunOptions = {}): Promise<HeadCommit> {
  const sha = await commitOf(project, 'HEAD', options);
  if (!sha) throw new WorkspaceError(`${project} has no commit yet (HEAD names nothing)`, { project });
  const symbolic = await runGit(project, ['symbolic-ref', '--quiet', '--short', 'HEAD'], options);
  const branch = symbolic.exitCode === 0 ? symbolic.stdout.trim() : null;
  const dirty = (await statusLines(project, true, options)).length > 0;
  return { sha, branch, dirty };
}

// `git add -A` and a commit of the result; null when there was nothing to commit.
export async function commitAll(
  path: string,
  message: string,
  options: GitRunOptions = {},
): Promise<string | null> {
  await git(path, [...unguardedArgs(), 'add', '--all'], options);
  const staged = await runGit(path, ['diff', '--cached', '--quiet'], options);
  if (staged.exitCode === 0) return null;
  // --no-verify: this is a snapshot of what the step did, not the step's own commit; a project's
  // pre-commit hook (a linter) refusing it would lose the step's work. Checks belong in verify.
  // Past the workspace's guards too (workspace-guards.ts): the snapshot is tmuxorch's, not the role's.
  await git(path, [...unguardedArgs(), 'commit', '--quiet', '--no-verify', '--message', message], options);
  return (await commitOf(path, 'HEAD', options)) ?? '';
}

// The patch from `base` to the worktree as it is now: its commits, staged and unstaged changes,
// and untracked (not ignored) files, binary ones included.
//
// Why a temporary index rather than `git add -A` + `git diff --cached` + reset: the step's agent
// may still be at work in the worktree. Staging in the real index would race its own git commands
// (index.lock) and the reset would throw away what it had staged on purpose (`git add -p`). A copy
// of the index is staged instead and thrown away; the worktree's index, commits and files are
// never touched. A copy, not an empty index: it keeps tracked and force-added files that match
// .gitignore (an empty index would show them deleted) and git's stat cache (no rehash of every
// file); without an index, HEAD's tree stands in.
export async function diff(path: string, base: string, options: GitRunOptions = {}): Promise<string> {
  const baseSha = await commitOf(path, base, options);
  if (!baseSha) throw new WorkspaceError(`the base ${base} names no commit in ${path}`, { path, base });
  const indexPath = (await git(path, ['rev-parse', '--git-path', 'index'], options)).trim();
  const realIndex = isAbsolute(indexPath) ? indexPath : resolve(path, indexPath);
  const scratch = await mkdtemp(join(tmpdir(), 'tmuxorch-diff-'));
  try {
    const index = join(scratch, 'index');
    const withIndex: GitRunOptions = { ...options, env: { ...options.env, GIT_INDEX_FILE: index } };
    const copied = await copyFile(realIndex, index).then(
      () => true,
      () => false,
    );
    if (!copied) await git(path, ['read-tree', 'HEAD'], withIndex);
    await git(path, [...unguardedArgs(), 'add', '--all'], withIndex);
    // Plumbing (diff-index), not `git diff`: it ignores the user's diff.noprefix, external diff
    // and colour settings, any of which would make the patch unappliable.
    return await git(path, ['diff-index', '--cached', '--patch', '--binary', '--no-color', baseSha], {
      ...withIndex,
      stripFinalNewline: false,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// The commit a copy was made at: its repository's first commit.
async function rootCommit(dest: string, options: GitRunOptions): Promise<string> {
  const out = await git(dest, ['rev-list', '--max-parents=0', 'HEAD'], options);
  const lines = out.split('\n').filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}

// A copy of a project that is not a git repository (`workspace: copy`), made one so that a step's
// diff works as in a worktree. Returns the sha of the commit of the copy as it was made. Called
// again on a copy it made (a resumed workflow), it returns that copy's first commit.
export async function copyProject(src: string, dest: string, options: GitRunOptions = {}): Promise<string> {
  const from = resolve(src);
  const to = resolve(dest);
  if (await samePath(from, to))
    throw new WorkspaceError(`cannot copy ${from} onto itself`, { src: from, dest: to });
  if (to.startsWith(`${from}/`)) {
    throw new WorkspaceError(`cannot copy ${from} into ${to}, a directory inside it`, {
      src: from,
      dest: to,
    });
  }
  const existing = await lstat(to).catch(() => null);
  if (existing) {
    const isOurCopy = existing.isDirectory() && (await lstat(join(to, '.git')).catch(() => null)) !== null;
    if (isOurCopy) return rootCommit(to, options);
    if (!existing.isDirectory() || (await readdir(to)).length > 0) {
      throw new WorkspaceError(`${to} already exists and is not a copy of ${from}`, { src: from, dest: to });
    }
  }
  await makeDirectory(dirname(to), 0o700);
  // cp keeps each file's mode. verbatimSymlinks: a relative link stays relative; by default cp
  // rewrites it to point into the original project, which a step would then edit through it.
  await cp(from, to, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
  // -c rather than --initial-branch, which git before 2.28 does not know (it then says master).
  await git(to, ['-c', 'init.defaultBranch=main', 'init', '--quiet'], options);
  await git(to, ['add', '--all'], options);
  // --allow-empty: an empty project still needs a base commit to diff against.
  await git(
    to,
    ['commit', '--quiet', '--no-verify', '--allow-empty', '--message', `tmuxorch: copy of ${from}`],
    options,
  );
  return (await commitOf(to, 'HEAD', options)) ?? '';
}
