// GitWorkspaces on real repositories in temp directories: worktrees per step (and their resume),
// snapshot commits and patches, integration merges, fast-forwards, cleanup, and copies.
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkspaceError } from '../../src/domain/errors.js';
import { git as gitChecked } from '../../src/infrastructure/git/git.js';
import { GitWorkspaces, type VerifyResult } from '../../src/infrastructure/git/git-workspaces.js';

let dir = '';
let project = '';
// No global or system configuration: the machine's git identity must not help the code under
// test, so its commits exercise the fallback identity.
let env: Record<string, string> = {};
let ws: GitWorkspaces;

// Fixture git, independent of the code under test; its own commits carry an explicit identity.
async function sh(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa('git', args, {
    cwd,
    env: {
      ...env,
      GIT_AUTHOR_NAME: 'Fixture',
      GIT_AUTHOR_EMAIL: 'fixture@example.com',
      GIT_COMMITTER_NAME: 'Fixture',
      GIT_COMMITTER_EMAIL: 'fixture@example.com',
    },
  });
  return result.stdout;
}

async function commitFile(
  cwd: string,
  file: string,
  content: string,
  message = `edit ${file}`,
): Promise<string> {
  await mkdir(join(cwd, file, '..'), { recursive: true });
  await writeFile(join(cwd, file), content);
  await sh(cwd, 'add', '--', file);
  await sh(cwd, 'commit', '-q', '-m', message);
  return sh(cwd, 'rev-parse', 'HEAD');
}

// A worktree of the project on a new branch from main, with one commit of `file`.
async function stepBranch(name: string, file: string, content: string): Promise<string> {
  const path = join(dir, 'steps', name);
  await sh(project, 'worktree', 'add', '-q', '-b', name, path, 'main');
  await commitFile(path, file, content);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<WorkspaceError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkspaceError);
  return error as WorkspaceError;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-gitws-'));
  await writeFile(join(dir, 'gitconfig'), '');
  env = { ...process.env, GIT_CONFIG_GLOBAL: join(dir, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' } as Record<
    string,
    string
  >;
  ws = new GitWorkspaces({ env: { GIT_CONFIG_GLOBAL: join(dir, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' } });
  project = join(dir, 'project');
  await mkdir(project);
  await sh(project, 'init', '-q', '-b', 'main');
  await commitFile(project, 'README.md', 'line one\nline two\nline three\n', 'initial');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('repositories and HEAD', () => {
  it('tells a repository from a plain or missing directory, and reads HEAD, branch and dirtiness', async () => {
    await mkdir(join(dir, 'plain'));
    expect(await ws.isRepository(project)).toBe(true);
    expect(await ws.isRepository(join(dir, 'plain'))).toBe(false);
    expect(await ws.isRepository(join(dir, 'missing'))).toBe(false);

    const head = await ws.headCommit(project);
    expect(head).toEqual({ sha: await sh(project, 'rev-parse', 'HEAD'), branch: 'main', dirty: false });
    await writeFile(join(project, 'untracked.txt'), 'new\n');
    expect((await ws.headCommit(project)).dirty).toBe(true);
    await writeFile(join(project, '.gitignore'), 'untracked.txt\n.gitignore\n');
    expect((await ws.headCommit(project)).dirty).toBe(false);
    await sh(project, 'checkout', '-q', '--detach');
    expect((await ws.headCommit(project)).branch).toBeNull();
  });

  it('ignores an inherited GIT_DIR or GIT_INDEX_FILE (as a git hook would pass on)', async () => {
    const saved = { dir: process.env.GIT_DIR, index: process.env.GIT_INDEX_FILE };
    process.env.GIT_DIR = join(dir, 'elsewhere.git');
    process.env.GIT_INDEX_FILE = join(dir, 'elsewhere.index');
    try {
      expect((await ws.headCommit(project)).branch).toBe('main');
    } finally {
      if (saved.dir === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved.dir;
      if (saved.index === undefined) delete process.env.GIT_INDEX_FILE;
      else process.env.GIT_INDEX_FILE = saved.index;
    }
  });

  it('throws WORKSPACE_FAILED naming the command, with cwd, args and stderr as details', async () => {
    const error = await rejection(gitChecked(project, ['merge', 'no-such-branch']));
    expect(error.code).toBe('WORKSPACE_FAILED');
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.details).toMatchObject({ cwd: project, args: ['merge', 'no-such-branch'] });
    expect(String(error.details.stderr)).not.toBe('');
  });
});

describe('createWorktree', () => {
  it('creates a worktree on a new branch from base under private new parents, and finds it again', async () => {
    const mainSha = await sh(project, 'rev-parse', 'HEAD');
    // Makes git give a branch made from a local branch an upstream, unless told not to.
    await sh(project, 'config', 'branch.autoSetupMerge', 'always');
    const path = join(dir, 'wt', 'run-1', 'implement');
    const created = await ws.createWorktree({ project, path, branch: 'tmuxorch/r1/implement', base: 'main' });
    expect(created).toEqual({ path, branch: 'tmuxorch/r1/implement', base: 'main' });
    expect((await stat(join(dir, 'wt', 'run-1'))).mode & 0o777).toBe(0o700);
    expect(await sh(path, 'rev-parse', 'HEAD')).toBe(mainSha);
    expect(await sh(path, 'symbolic-ref', '--short', 'HEAD')).toBe('tmuxorch/r1/implement');
    // The branch must not track main: a push from the step would go there.
    expect(await sh(project, 'config', '--get-regexp', '^branch\\..*\\.merge$').catch(() => '')).toBe('');

    await commitFile(path, 'work.txt', 'work\n');
    const head = await sh(path, 'rev-parse', 'HEAD');
    // Resume: same path, same branch: unchanged, its commit kept.
    const base = 'main';
    expect(await ws.createWorktree({ project, path, branch: 'tmuxorch/r1/implement', base })).toEqual(
      created,
    );
    expect(await sh(path, 'rev-parse', 'HEAD')).toBe(head);

    // The worktree deleted, the branch kept: the worktree comes back on the branch's commits.
    await rm(path, { recursive: true, force: true });
    await ws.createWorktree({ project, path, branch: 'tmuxorch/r1/implement', base });
    expect(await sh(path, 'rev-parse', 'HEAD')).toBe(head);
    expect(await readFile(join(path, 'work.txt'), 'utf8')).toBe('work\n');
  });

  it('refuses a path that is something else: a directory with files, or a worktree on another branch', async () => {
    const base = 'main';
    const busy = join(dir, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'mine.txt'), 'keep\n');
    expect((await rejection(ws.createWorktree({ project, path: busy, branch: 'b1', base }))).code).toBe(
      'WORKSPACE_FAILED',
    );
    expect(await readFile(join(busy, 'mine.txt'), 'utf8')).toBe('keep\n');

    const path = join(dir, 'wt', 'a');
    await ws.createWorktree({ project, path, branch: 'a', base });
    await rejection(ws.createWorktree({ project, path, branch: 'other', base }));
    expect(await sh(project, 'branch', '--list', 'other')).toBe('');
  });
});

describe('commitAll and diff', () => {
  it('diffs commits, changes, untracked and binary files against base without touching the worktree', async () => {
    const base = await sh(project, 'rev-parse', 'HEAD');
    const path = join(dir, 'wt', 'step');
    await ws.createWorktree({ project, path, branch: 'step', base });
    await commitFile(path, 'committed.txt', 'from a commit\n');
    await writeFile(join(path, 'README.md'), 'line one\nline 2\nline three\n');
    await writeFile(join(path, 'staged.txt'), 'staged\n');
    await sh(path, 'add', 'staged.txt');
    await writeFile(join(path, 'untracked.txt'), 'untracked\n');
    const binary = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13, 0x89, 0x50, 0x4e, 0x47]);
    await writeFile(join(path, 'image.bin'), binary);

    const statusBefore = await sh(path, 'status', '--porcelain');
    const headBefore = await sh(path, 'rev-parse', 'HEAD');
    const patch = await ws.diff(path, base);
    expect(await sh(path, 'status', '--porcelain')).toBe(statusBefore);
    expect(await sh(path, 'rev-parse', 'HEAD')).toBe(headBefore);
    for (const file of ['committed.txt', 'README.md', 'staged.txt', 'untracked.txt', 'image.bin']) {
      expect(patch).toContain(`diff --git a/${file} b/${file}`);
    }
    expect(patch).toContain('GIT binary patch');
    expect(patch.endsWith('\n')).toBe(true);

    // The patch applies at base and reproduces the files, the binary one byte for byte.
    const check = join(dir, 'check');
    await sh(project, 'worktree', 'add', '-q', '--detach', check, base);
    await writeFile(join(dir, 'step.patch'), patch);
    await sh(check, 'apply', '--index', join(dir, 'step.patch'));
    expect(await readFile(join(check, 'image.bin'))).toEqual(binary);
    expect(await readFile(join(check, 'README.md'), 'utf8')).toBe('line one\nline 2\nline three\n');

    // commitAll takes everything (no git identity configured: the fallback one), once.
    const sha = await ws.commitAll(path, 'step: implement');
    expect(sha).toBe(await sh(path, 'rev-parse', 'HEAD'));
    expect(await sh(path, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%s')).toBe(
      'tmuxorch <tmuxorch@localhost>|tmuxorch <tmuxorch@localhost>|step: implement',
    );
    expect(await sh(path, 'status', '--porcelain')).toBe('');
    expect(await ws.commitAll(path, 'again')).toBeNull();
    expect(await ws.diff(path, base)).toBe(patch);
  });

  it('keeps what the index says of ignored paths: a tracked or force-added ignored file is diffed as it is', async () => {
    await commitFile(project, 'local.cfg', 'tracked before it was ignored\n');
    const base = await commitFile(project, '.gitignore', '*.cfg\n');
    const path = join(dir, 'wt', 'step');
    await ws.createWorktree({ project, path, branch: 'step', base });
    await writeFile(join(path, 'forced.cfg'), 'staged on purpose\n');
    await sh(path, 'add', '-f', 'forced.cfg');
    await writeFile(join(path, 'ignored.cfg'), 'build output\n');
    const patch = await ws.diff(path, base);
    expect(patch).toContain('diff --git a/forced.cfg b/forced.cfg');
    expect(patch).not.toContain('ignored.cfg');
    expect(patch).not.toContain('local.cfg');

    // A worktree whose index is gone: HEAD's tree stands in for it.
    await sh(path, 'reset', '-q');
    await rm(join(path, 'forced.cfg'));
    await rm(await sh(path, 'rev-parse', '--path-format=absolute', '--git-path', 'index'));
    expect(await ws.diff(path, base)).toBe('');
  });

  it("commits with the repository's own identity when one is configured", async () => {
    await sh(project, 'config', 'user.name', 'Ada Lovelace');
    await sh(project, 'config', 'user.email', 'ada@example.com');
    await writeFile(join(project, 'new.txt'), 'x\n');
    expect(await ws.commitAll(project, 'by ada')).not.toBeNull();
    expect(await sh(project, 'log', '-1', '--format=%an <%ae>')).toBe('Ada Lovelace <ada@example.com>');
  });
});

describe('merge', () => {
  const okVerify =
    (calls: string[]) =>
    async (path: string): Promise<VerifyResult> => {
      calls.push(path);
      return { ok: true, output: '' };
    };

  it('merges non-conflicting branches in order, verifying after each', async () => {
    await stepBranch('s/a', 'a.txt', 'a\n');
    await stepBranch('s/b', 'b.txt', 'b\n');
    const path = join(dir, 'wt', 'integrate');
    const calls: string[] = [];
    const outcome = await ws.merge({
      project,
      path,
      branch: 'integrate',
      base: 'main',
      sources: ['s/a', 's/b'],
      verify: okVerify(calls),
    });
    expect(outcome).toEqual({
      status: 'merged',
      head: await sh(path, 'rev-parse', 'HEAD'),
      merged: ['s/a', 's/b'],
    });
    expect(calls).toEqual([path, path]);
    expect(await readFile(join(path, 'a.txt'), 'utf8')).toBe('a\n');
    expect(await readFile(join(path, 'b.txt'), 'utf8')).toBe('b\n');
    // --no-ff: one merge commit per source.
    expect(await sh(path, 'log', '--merges', '--format=%s', 'main..HEAD')).toBe(
      "Merge branch 's/b' into integrate\nMerge branch 's/a' into integrate",
    );

    // Resumed: both already merged, nothing merged or verified again.
    const again = await ws.merge({
      project,
      path,
      branch: 'integrate',
      base: 'main',
      sources: ['s/a', 's/b'],
      verify: okVerify(calls),
    });
    expect(again).toEqual(outcome);
    expect(calls).toHaveLength(2);
  });

  it("drops a passing verify's changes to tracked files, so the next merge is not refused", async () => {
    await stepBranch('s/a', 'a.txt', 'a\n');
    await stepBranch('s/b', 'README.md', 'line one\nB\nline three\n');
    const path = join(dir, 'wt', 'integrate');
    const verify = async (worktree: string): Promise<VerifyResult> => {
      await writeFile(join(worktree, 'README.md'), 'rewritten by the build\n');
      await writeFile(join(worktree, 'build.log'), 'untracked output\n');
      return { ok: true, output: '' };
    };
    const outcome = await ws.merge({
      project,
      path,
      branch: 'integrate',
      base: 'main',
      sources: ['s/a', 's/b'],
      verify,
    });
    expect(outcome).toMatchObject({ status: 'merged', merged: ['s/a', 's/b'] });
    expect(await readFile(join(path, 'README.md'), 'utf8')).toBe('line one\nB\nline three\n');
    expect(await sh(path, 'status', '--porcelain')).toBe('?? build.log');
  });

  it('stops at a conflict, naming the branch and files, and leaves the integration worktree clean', async () => {
    await stepBranch('s/ok', 'ok.txt', 'ok\n');
    await stepBranch('s/a', 'README.md', 'line one\nA\nline three\n');
    await stepBranch('s/b', 'README.md', 'line one\nB\nline three\n');
    await stepBranch('s/c', 'c.txt', 'c\n');
    const path = join(dir, 'wt', 'integrate');
    const outcome = await ws.merge({
      project,
      path,
      branch: 'integrate',
      base: 'main',
      sources: ['s/ok', 's/a', 's/b', 's/c'],
      verify: undefined,
    });
    expect(outcome).toEqual({
      status: 'conflict',
      branch: 's/b',
      files: ['README.md'],
      merged: ['s/ok', 's/a'],
    });
    expect(await sh(path, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(
      await execa('git', ['rev-parse', '--verify', '-q', 'MERGE_HEAD'], { cwd: path, reject: false }),
    ).toMatchObject({
      exitCode: 1,
    });
    expect(await readFile(join(path, 'README.md'), 'utf8')).toBe('line one\nA\nline three\n');
    await expect(stat(join(path, 'c.txt'))).rejects.toThrow();
  });

  it('undoes a merge left half-done by a crash, and refuses an integration worktree with changes', async () => {
    await stepBranch('s/a', 'README.md', 'line one\nA\nline three\n');
    await stepBranch('s/b', 'README.md', 'line one\nB\nline three\n');
    await stepBranch('s/c', 'c.txt', 'c\n');
    await stepBranch('s/d', 'd.txt', 'd\n');
    const path = join(dir, 'wt', 'integrate');
    await ws.createWorktree({ project, path, branch: 'integrate', base: 'main' });
    await sh(path, 'merge', '-q', '--no-ff', '--no-edit', 's/a');
    await expect(sh(path, 'merge', '--no-ff', '--no-edit', 's/b')).rejects.toThrow();
    const request = { project, path, branch: 'integrate', base: 'main', verify: undefined };
    const outcome = await ws.merge({ ...request, sources: ['s/a', 's/c'] });
    expect(outcome).toMatchObject({ status: 'merged', merged: ['s/a', 's/c'] });

    await writeFile(join(path, 'README.md'), 'edited in the integration worktree\n');
    const head = await sh(path, 'rev-parse', 'HEAD');
    // s/d does not touch README.md, so git alone would merge over the edit.
    await rejection(ws.merge({ ...request, sources: ['s/d'] }));
    expect(await sh(path, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('stops at the first failing verify with its output, the integration branch back before that merge', async () => {
    await stepBranch('s/a', 'a.txt', 'a\n');
    await stepBranch('s/b', 'broken.txt', 'b\n');
    await stepBranch('s/c', 'c.txt', 'c\n');
    const path = join(dir, 'wt', 'integrate');
    const seen: string[] = [];
    const verify = async (worktree: string): Promise<VerifyResult> => {
      const broken = await stat(join(worktree, 'broken.txt')).then(
        () => true,
        () => false,
      );
      seen.push(broken ? 'broken' : 'fine');
      return broken ? { ok: false, output: '1 test failed: broken.txt' } : { ok: true, output: 'all passed' };
    };
    const outcome = await ws.merge({
      project,
      path,
      branch: 'integrate',
      base: 'main',
      sources: ['s/a', 's/b', 's/c'],
      verify,
    });
    expect(outcome).toEqual({
      status: 'verify_failed',
      branch: 's/b',
      output: '1 test failed: broken.txt',
      merged: ['s/a'],
    });
    expect(seen).toEqual(['fine', 'broken']);
    expect(await sh(path, 'status', '--porcelain')).toBe('');
    await expect(stat(join(path, 'broken.txt'))).rejects.toThrow();
    expect(await sh(path, 'rev-parse', 'HEAD^2')).toBe(await sh(project, 'rev-parse', 's/a'));
  });
});

describe('advanceBranch and worktreeHolding', () => {
  it('fast-forwards a branch checked out in a clean worktree, through that worktree', async () => {
    const step = await stepBranch('s/a', 'a.txt', 'a\n');
    const to = await sh(step, 'rev-parse', 'HEAD');
    expect(await ws.worktreeHolding(project, 'main')).toBe(project);
    expect(await ws.worktreeHolding(project, 's/a')).toBe(step);
    expect(await ws.worktreeHolding(project, 'nobody')).toBeNull();

    await ws.advanceBranch({ project, target: 'main', to });
    expect(await sh(project, 'rev-parse', 'main')).toBe(to);
    // The checked-out files moved with the branch: the worktree is clean at the new commit.
    expect(await readFile(join(project, 'a.txt'), 'utf8')).toBe('a\n');
    expect(await sh(project, 'status', '--porcelain')).toBe('');
  });

  it('refuses when the worktree holding the branch has uncommitted changes', async () => {
    const step = await stepBranch('s/a', 'a.txt', 'a\n');
    const old = await sh(project, 'rev-parse', 'main');
    await writeFile(join(project, 'README.md'), 'edited by the user\n');
    const error = await rejection(
      ws.advanceBranch({ project, target: 'main', to: await sh(step, 'rev-parse', 'HEAD') }),
    );
    expect(error.details).toMatchObject({ worktree: project });
    expect(await sh(project, 'rev-parse', 'main')).toBe(old);
    expect(await readFile(join(project, 'README.md'), 'utf8')).toBe('edited by the user\n');
  });

  it('refuses a move that is not a fast-forward', async () => {
    const step = await stepBranch('s/a', 'a.txt', 'a\n');
    const mainHead = await commitFile(project, 'main-only.txt', 'm\n');
    const error = await rejection(
      ws.advanceBranch({ project, target: 'main', to: await sh(step, 'rev-parse', 'HEAD') }),
    );
    expect(error.code).toBe('WORKSPACE_FAILED');
    expect(await sh(project, 'rev-parse', 'main')).toBe(mainHead);
    // Not checked out anywhere, so no `merge --ff-only` refuses it on our behalf.
    await sh(project, 'branch', 'release', 'main');
    await rejection(
      ws.advanceBranch({ project, target: 'release', to: await sh(step, 'rev-parse', 'HEAD') }),
    );
    expect(await sh(project, 'rev-parse', 'release')).toBe(mainHead);
  });

  it('moves a branch no worktree holds with a compare-and-swap update-ref', async () => {
    await sh(project, 'branch', 'release', 'main');
    const step = await stepBranch('s/a', 'a.txt', 'a\n');
    const to = await sh(step, 'rev-parse', 'HEAD');
    const projectHead = await sh(project, 'rev-parse', 'HEAD');
    await ws.advanceBranch({ project, target: 'release', to });
    expect(await sh(project, 'rev-parse', 'release')).toBe(to);
    expect(await sh(project, 'rev-parse', 'HEAD')).toBe(projectHead);
    expect(await sh(project, 'reflog', '-1', '--format=%gs', 'release')).toContain('tmuxorch: fast-forward');
  });
});

describe('removeWorktree', () => {
  it('keeps an unmerged branch and says why, removes it once merged', async () => {
    const path = join(dir, 'wt', 'implement');
    await ws.createWorktree({ project, path, branch: 'tmuxorch/r1/implement', base: 'main' });
    await commitFile(path, 'one.txt', '1\n');
    await commitFile(path, 'two.txt', '2\n');
    const request = { project, path, branch: 'tmuxorch/r1/implement', into: 'main' };
    expect(await ws.removeWorktree(request)).toEqual({
      removed: false,
      reason: 'branch tmuxorch/r1/implement has 2 commits not merged into main',
    });
    expect(await sh(path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('tmuxorch/r1/implement');

    await sh(project, 'merge', '-q', '--ff-only', 'tmuxorch/r1/implement');
    await writeFile(join(path, 'left-behind.txt'), 'agent scratch\n');
    const dirty = await ws.removeWorktree(request);
    expect(dirty.removed).toBe(false);
    expect(await readFile(join(path, 'left-behind.txt'), 'utf8')).toBe('agent scratch\n');

    await rm(join(path, 'left-behind.txt'));
    expect((await ws.removeWorktree(request)).removed).toBe(true);
    await expect(lstat(path)).rejects.toThrow();
    expect(await sh(project, 'branch', '--list', 'tmuxorch/r1/implement')).toBe('');
    expect(await sh(project, 'worktree', 'list', '--porcelain')).not.toContain(path);
  });

  it('removes a branch that is pushed though not merged', async () => {
    const remote = join(dir, 'remote.git');
    await sh(dir, 'init', '-q', '--bare', remote);
    await sh(project, 'remote', 'add', 'origin', remote);
    const path = join(dir, 'wt', 'pushed');
    await ws.createWorktree({ project, path, branch: 'pushed', base: 'main' });
    await commitFile(path, 'p.txt', 'p\n');
    await sh(path, 'push', '-q', 'origin', 'pushed');
    const outcome = await ws.removeWorktree({ project, path, branch: 'pushed', into: 'main' });
    expect(outcome.removed).toBe(true);
    expect(await sh(project, 'branch', '--list', 'pushed')).toBe('');
  });
});

describe('copyProject', () => {
  it('copies a plain directory with modes and links, commits it, and diffs edits against that commit', async () => {
    const src = join(dir, 'plain');
    await mkdir(join(src, 'bin'), { recursive: true });
    await writeFile(join(src, 'notes.txt'), 'hello\n');
    await writeFile(join(src, 'bin', 'run.sh'), '#!/bin/sh\necho hi\n');
    await chmod(join(src, 'bin', 'run.sh'), 0o755);
    await symlink('notes.txt', join(src, 'link.txt'));
    const dest = join(dir, 'copies', 'r1', 'plain');

    const base = await ws.copyProject(src, dest);
    expect(base).toMatch(/^[0-9a-f]{40}$/);
    expect(await ws.isRepository(dest)).toBe(true);
    await expect(stat(join(src, '.git'))).rejects.toThrow();
    expect((await stat(join(dest, 'bin', 'run.sh'))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(dest, 'link.txt'))).toBe('notes.txt');
    expect(await sh(dest, 'status', '--porcelain')).toBe('');

    await writeFile(join(dest, 'notes.txt'), 'hello, world\n');
    await writeFile(join(dest, 'added.txt'), 'new\n');
    const patch = await ws.diff(dest, base);
    expect(patch).toContain('+hello, world');
    expect(patch).toContain('diff --git a/added.txt b/added.txt');
    expect(await readFile(join(src, 'notes.txt'), 'utf8')).toBe('hello\n');
    // Called again (a resumed workflow): the same copy, the same base.
    expect(await ws.copyProject(src, dest)).toBe(base);
  });
});
