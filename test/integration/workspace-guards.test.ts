// Workspace guards on real repositories in temp directories: an agent's own `git` in a plain shell
// refused a commit or a push by hooks and worktree configuration, other worktrees untouched.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../../src/infrastructure/git/git.js';
import {
  installWorkspaceGuards,
  removeWorkspaceGuards,
  unguardedArgs,
} from '../../src/infrastructure/git/workspace-guards.js';

let dir = '';
let project = '';
let remote = '';
let step = '';
let other = '';
// No global or system configuration: the machine's git setup must not help or hinder.
let configEnv: Record<string, string> = {};
let env: Record<string, string> = {};

interface Shell {
  readonly exitCode: number;
  readonly stderr: string;
}

// A plain `sh -c` as an agent's shell would run it, without TMUXORCH_WORKER_ID unless given.
async function shell(cwd: string, script: string, extra: Record<string, string> = {}): Promise<Shell> {
  const result = await execa('sh', ['-c', script], {
    cwd,
    env: { ...env, ...extra },
    extendEnv: false,
    reject: false,
  });
  return { exitCode: result.exitCode ?? -1, stderr: String(result.stderr) };
}

// Fixture git, independent of the code under test.
async function fx(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd, env, extendEnv: false })).stdout;
}

const remoteTip = async (branch: string): Promise<string> =>
  (
    await execa('git', ['rev-parse', '--verify', '-q', `refs/heads/${branch}`], {
      cwd: remote,
      env,
      extendEnv: false,
      reject: false,
    })
  ).stdout;

const opts = () => ({ env: configEnv });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-guards-'));
  await writeFile(join(dir, 'gitconfig'), '');
  configEnv = { GIT_CONFIG_GLOBAL: join(dir, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
  env = {
    ...(process.env as Record<string, string>),
    ...configEnv,
    GIT_AUTHOR_NAME: 'Fixture',
    GIT_AUTHOR_EMAIL: 'fixture@example.com',
    GIT_COMMITTER_NAME: 'Fixture',
    GIT_COMMITTER_EMAIL: 'fixture@example.com',
  };
  delete env.TMUXORCH_WORKER_ID;
  project = join(dir, 'project');
  remote = join(dir, 'remote.git');
  step = join(dir, 'steps', 'tester');
  other = join(dir, 'steps', 'other');
  await mkdir(project);
  await fx(project, 'init', '-q', '-b', 'main');
  await writeFile(join(project, 'a.txt'), 'one\n');
  await fx(project, 'add', 'a.txt');
  await fx(project, 'commit', '-q', '-m', 'initial');
  await fx(dir, 'init', '-q', '--bare', remote);
  await fx(project, 'remote', 'add', 'origin', remote);
  await fx(project, 'worktree', 'add', '-q', '-b', 'step', step, 'main');
  await fx(project, 'worktree', 'add', '-q', '-b', 'other', other, 'main');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DENIED_COMMIT = 'tmuxorch: role tester may not commit (its rules deny commit)';
const edit = 'echo more >> a.txt && git commit -q -am edit';

describe('commit guards', () => {
  it("refuses a tester's commit, with and without --no-verify, naming its role", async () => {
    await installWorkspaceGuards(step, { role: 'tester', commit: 'deny', push: 'deny' }, opts());
    const head = await fx(step, 'rev-parse', 'HEAD');
    const plain = await shell(step, edit);
    expect(plain.exitCode).not.toBe(0);
    expect(plain.stderr).toContain(DENIED_COMMIT);
    const noVerify = await shell(step, 'git commit -q --no-verify -am edit');
    expect(noVerify.exitCode).not.toBe(0);
    expect(noVerify.stderr).toContain(DENIED_COMMIT);
    expect(await fx(step, 'rev-parse', 'HEAD')).toBe(head);
    // The work tree holds no trace of the guards.
    expect(await fx(step, 'status', '--porcelain', '--ignored')).toBe(' M a.txt');
  });

  it('refuses moving, creating and deleting branches and committing on a detached HEAD; allows stash and checkout', async () => {
    await fx(project, 'branch', 'spare');
    await installWorkspaceGuards(step, { role: 'tester', commit: 'deny', push: 'allow' }, opts());
    for (const script of [
      'git branch x',
      'git checkout -q -b y',
      'git branch -D spare',
      'git reset -q --hard HEAD~0 && git commit-tree -m c HEAD^{tree} | xargs git reset -q',
      'git checkout -q --detach && echo d >> a.txt && git commit -q --no-verify -am detached',
    ]) {
      const result = await shell(step, script);
      expect(result.stderr, script).toContain(DENIED_COMMIT);
    }
    await shell(step, 'git checkout -q -f step');
    expect(await fx(project, 'branch', '--list', 'x', 'y', 'spare')).toBe('  spare');
    await writeFile(join(step, 'a.txt'), 'changed\n');
    expect((await shell(step, 'git stash -q && git stash pop -q')).exitCode).toBe(0);
    expect(await readFile(join(step, 'a.txt'), 'utf8')).toBe('changed\n');
    expect((await shell(step, 'git checkout -q --detach main && git checkout -q step')).exitCode).toBe(0);
  });

  it("says a commit on 'ask' needs approval, and lets a role with commit allow commit", async () => {
    await installWorkspaceGuards(step, { role: 'tester', commit: 'ask', push: 'deny' }, opts());
    expect((await shell(step, edit)).stderr).toContain(
      "tmuxorch: role tester may not commit (commit needs a person's approval)",
    );
    await installWorkspaceGuards(step, { role: 'coder', commit: 'allow', push: 'deny' }, opts());
    expect(await shell(step, edit)).toMatchObject({ exitCode: 0, stderr: '' });
    const hook = await stat(join(project, '.git', 'worktrees', 'tester', 'tmuxorch-hooks', 'pre-commit'));
    expect(hook.mode & 0o777).toBe(0o755);
  });

  it("commits with unguardedArgs() through tmuxorch's own runner", async () => {
    await installWorkspaceGuards(step, { role: 'tester', commit: 'deny', push: 'deny' }, opts());
    await writeFile(join(step, 'a.txt'), 'snapshot\n');
    const before = await fx(step, 'rev-parse', 'HEAD');
    await git(step, [...unguardedArgs(), 'commit', '-q', '-am', 'tmuxorch: snapshot'], opts());
    expect(await fx(step, 'rev-parse', 'HEAD~1')).toBe(before);
  });
});

describe('push guards', () => {
  it("refuses a coder's push by remote name and by URL, with and without --no-verify", async () => {
    await installWorkspaceGuards(step, { role: 'coder', commit: 'allow', push: 'deny' }, opts());
    for (const target of ['origin', remote, `file://${remote}`]) {
      for (const flag of ['', '--no-verify']) {
        const result = await shell(step, `git push -q ${flag} '${target}' step`);
        expect(result.exitCode, `${flag} ${target}`).not.toBe(0);
        expect(result.stderr, `${flag} ${target}`).toContain(
          'tmuxorch: role coder may not push (its rules deny push)',
        );
      }
    }
    expect(await remoteTip('step')).toBe('');
    // Fetching is not pushing.
    expect((await shell(step, 'git fetch -q origin')).exitCode).toBe(0);
  });

  it("pushes on 'ask' when the ask command approves, and refuses when it does not", async () => {
    const asked = join(dir, 'asked.txt');
    const ask = (code: number): string =>
      `f() { echo "$*" >> '${asked}'; cat >> '${asked}'; exit ${code}; }; f`;
    await installWorkspaceGuards(
      step,
      { role: 'coder', commit: 'allow', push: 'ask', askCommand: ask(1) },
      opts(),
    );
    const refused = await shell(step, 'git push -q origin step');
    expect(refused.stderr).toContain('tmuxorch: role coder may not push (a person did not approve it)');
    expect(await remoteTip('step')).toBe('');

    await installWorkspaceGuards(
      step,
      { role: 'coder', commit: 'allow', push: 'ask', askCommand: ask(0) },
      opts(),
    );
    expect((await shell(step, 'git push -q origin step')).exitCode).toBe(0);
    const tip = await fx(step, 'rev-parse', 'HEAD');
    expect(await remoteTip('step')).toBe(tip);
    const lines = (await readFile(asked, 'utf8')).split('\n');
    expect(lines[0]).toBe(`push origin ${remote}`);
    expect(lines[1]).toBe(`refs/heads/step ${tip} refs/heads/step ${'0'.repeat(40)}`);

    await installWorkspaceGuards(step, { role: 'coder', commit: 'allow', push: 'ask' }, opts());
    expect((await shell(step, 'git push -q origin HEAD:other')).stderr).toContain(
      "tmuxorch: role coder may not push (push needs a person's approval)",
    );
  });
});

describe('scope', () => {
  it('with onlyForWorkers refuses a worker and lets the user commit and push in a shared main checkout', async () => {
    await installWorkspaceGuards(
      project,
      { role: 'tester', commit: 'deny', push: 'deny', onlyForWorkers: true },
      opts(),
    );
    const worker = { TMUXORCH_WORKER_ID: 'w1' };
    expect((await shell(project, edit, worker)).stderr).toContain(DENIED_COMMIT);
    expect((await shell(project, 'git commit -q --no-verify -am edit', worker)).stderr).toContain(
      DENIED_COMMIT,
    );
    expect((await shell(project, 'git push -q origin main', worker)).stderr).toContain(
      'tmuxorch: role tester may not push (its rules deny push)',
    );
    expect(await remoteTip('main')).toBe('');
    expect(await shell(project, edit)).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await shell(project, 'git push -q origin main')).exitCode).toBe(0);
    expect(await remoteTip('main')).toBe(await fx(project, 'rev-parse', 'HEAD'));
    // The step's worktree, under the same repository, is not guarded.
    expect(await shell(step, edit, worker)).toMatchObject({ exitCode: 0, stderr: '' });
  });

  it('leaves other worktrees and the main checkout unaffected', async () => {
    await installWorkspaceGuards(step, { role: 'tester', commit: 'deny', push: 'deny' }, opts());
    for (const cwd of [project, other]) {
      expect(await shell(cwd, `${edit} && git push -q origin HEAD`)).toMatchObject({
        exitCode: 0,
        stderr: '',
      });
    }
    expect(await remoteTip('other')).toBe(await fx(other, 'rev-parse', 'HEAD'));
  });

  it("runs the repository's own hooks after its checks pass, with the same arguments and stdin", async () => {
    const hooks = join(project, '.git', 'hooks');
    await writeFile(join(hooks, 'pre-commit'), `#!/bin/sh\necho ran > '${dir}/pre-commit.txt'\n`, {
      mode: 0o755,
    });
    await writeFile(join(hooks, 'pre-push'), `#!/bin/sh\n{ echo "$@"; cat; } > '${dir}/pre-push.txt'\n`, {
      mode: 0o755,
    });
    await installWorkspaceGuards(step, { role: 'coder', commit: 'allow', push: 'allow' }, opts());
    expect((await shell(step, edit)).exitCode).toBe(0);
    expect(await readFile(join(dir, 'pre-commit.txt'), 'utf8')).toBe('ran\n');
    expect((await shell(step, 'git push -q origin step')).exitCode).toBe(0);
    const tip = await fx(step, 'rev-parse', 'HEAD');
    expect(await readFile(join(dir, 'pre-push.txt'), 'utf8')).toBe(
      `origin ${remote}\nrefs/heads/step ${tip} refs/heads/step ${'0'.repeat(40)}\n`,
    );
    // A refusing user hook still refuses; one in the repository's core.hooksPath is found too.
    await mkdir(join(project, 'custom-hooks'));
    await writeFile(join(project, 'custom-hooks', 'pre-commit'), '#!/bin/sh\necho no >&2; exit 3\n', {
      mode: 0o755,
    });
    await fx(project, 'config', 'core.hooksPath', join(project, 'custom-hooks'));
    await installWorkspaceGuards(step, { role: 'coder', commit: 'allow', push: 'allow' }, opts());
    expect(await shell(step, edit)).toMatchObject({ exitCode: 1, stderr: 'no' });
  });

  it('installs idempotently, and removal restores plain behaviour', async () => {
    const guards = { role: 'tester', commit: 'deny', push: 'deny' } as const;
    await installWorkspaceGuards(step, guards, opts());
    const config = await fx(step, 'config', '--worktree', '--list');
    await installWorkspaceGuards(step, guards, opts());
    expect(await fx(step, 'config', '--worktree', '--list')).toBe(config);
    expect(config.split('\n').filter((l) => l.includes('pushinsteadof'))).toHaveLength(1);

    await removeWorkspaceGuards(step, opts());
    expect(await fx(step, 'config', '--worktree', '--list')).toBe('');
    await expect(stat(join(project, '.git', 'worktrees', 'tester', 'tmuxorch-hooks'))).rejects.toThrow();
    expect(await shell(step, `${edit} && git push -q origin step`)).toMatchObject({
      exitCode: 0,
      stderr: '',
    });
    await removeWorkspaceGuards(step, opts());
  });
});
