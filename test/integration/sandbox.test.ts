// The bubblewrap sandbox with the real bwrap: file system, /tmp, network, sockets, env, git, a tmux pane.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/domain/marker.js';
import {
  probeSandbox,
  sandboxArgv,
  sandboxPrefix,
  type SandboxSpec,
} from '../../src/infrastructure/process/sandbox.js';
import { waitFor } from '../helpers/wait-for.js';

const BWRAP = '/usr/bin/bwrap';
const haveBwrap = existsSync(BWRAP);
if (!haveBwrap) console.warn(`sandbox tests skipped: ${BWRAP} is missing (apt-get install bubblewrap)`);
const havePython = existsSync('/usr/bin/python3');

// Outside the private /tmp of the sandbox, so a path here is visible (read-only) inside.
const VISIBLE_BASE = existsSync('/var/tmp') ? '/var/tmp' : homedir();

describe.skipIf(!haveBwrap)('bubblewrap sandbox', () => {
  let base: string;
  let workspace: string;
  let outside: string;
  const tmuxName = `tmuxorch-test-sandbox-${process.pid}`;
  const tmux = (...args: string[]) =>
    execa('tmux', ['-L', tmuxName, '-f', '/dev/null', ...args], { env: { ...process.env, TMUX: '' } });

  beforeAll(async () => {
    base = await mkdtemp(join(VISIBLE_BASE, 'tmuxorch-sandbox-'));
    workspace = join(base, 'workspace');
    outside = join(base, 'outside');
    await mkdir(workspace);
    await mkdir(outside);
  });
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  const spec = (extra: Partial<SandboxSpec> = {}): SandboxSpec => ({
    workspace,
    writable: [],
    net: false,
    ...extra,
  });
  const run = (argv: string[], s = spec(), env: NodeJS.ProcessEnv = {}) => {
    const [file, ...args] = sandboxArgv(BWRAP, s, argv);
    return execa(file as string, args, { reject: false, cwd: s.workspace, env: { ...process.env, ...env } });
  };
  const sh = (line: string, s = spec(), env: NodeJS.ProcessEnv = {}) => run(['bash', '-c', line], s, env);

  it('probeSandbox finds bwrap, and names the package when it is not on PATH', async () => {
    expect(await probeSandbox(process.env.PATH ?? '')).toEqual({ bwrap: BWRAP });
    const missing = await probeSandbox(join(base, 'no-such-dir'));
    expect(missing.bwrap).toBeNull();
    expect('reason' in missing && missing.reason).toMatch(/apt-get install bubblewrap/);
  });

  it('writes inside the workspace and the writable paths; elsewhere the file system is read-only', async () => {
    const extra = join(base, 'extra');
    await mkdir(extra);
    const r = await sh(
      `echo in > ./a && echo x > ${shellQuote(join(extra, 'b'))} && pwd; ` +
        `echo no > ${shellQuote(join(outside, 'c'))}; echo no > ${shellQuote(join(homedir(), 'tmuxorch-sandbox-probe'))}`,
      spec({ writable: [extra, join(base, 'missing-is-skipped')] }),
    );
    expect(r.stdout.trim()).toBe(workspace); // the cwd is kept
    expect(await readFile(join(workspace, 'a'), 'utf8')).toBe('in\n');
    expect(await readFile(join(extra, 'b'), 'utf8')).toBe('x\n');
    expect(r.stderr.match(/Read-only file system/g)).toHaveLength(2);
    expect(existsSync(join(outside, 'c'))).toBe(false);
    expect(existsSync(join(homedir(), 'tmuxorch-sandbox-probe'))).toBe(false);
  });

  it('has no capabilities: the read-only root cannot be remounted even when run by root', async () => {
    const r = await sh(`grep CapEff /proc/self/status; mount -o remount,bind,rw / && echo REMOUNTED`);
    expect(r.stdout).toMatch(/CapEff:\s+0+$/m);
    expect(r.stdout).not.toMatch(/REMOUNTED/);
  });

  it('has a private /tmp', async () => {
    const name = `tmuxorch-sandbox-${process.pid}-${Date.now()}`;
    const r = await sh(`echo x > /tmp/${name} && cat /tmp/${name}`);
    expect(r.stdout).toBe('x');
    expect(existsSync(join(tmpdir(), name))).toBe(false);
  });

  describe('network', () => {
    let server: Server;
    let port = 0;
    let requests = 0;
    beforeAll(async () => {
      server = createHttpServer((_req, res) => {
        requests++;
        res.end('pong');
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));
    const fetchLine = () =>
      `node -e "fetch('http://127.0.0.1:${port}').then(r => r.text()).then(t => console.log(t), e => { console.log('FAILED', e.cause?.code); process.exit(3) })"`;

    it('net:false has its own empty network: the host loopback server is unreachable', async () => {
      const r = await sh(fetchLine(), spec({ net: false }));
      expect(r.stdout).toMatch(/FAILED ECONNREFUSED/);
      expect(r.exitCode).toBe(3);
      expect(requests).toBe(0);
    });

    it('net:true reaches it', async () => {
      const r = await sh(fetchLine(), spec({ net: true }));
      expect(r.stdout.trim()).toBe('pong');
      expect(requests).toBe(1);
    });
  });

  it('connects to a Unix socket under a read-only path, with no network (how hooks reach the daemon)', async () => {
    const socketPath = join(outside, 'd.sock');
    const server = createNetServer((c) => c.on('data', (d) => c.end(`echo:${String(d)}`)));
    await new Promise<void>((done) => server.listen(socketPath, done));
    try {
      const client = `const c = require('net').connect(process.argv[1], () => c.write('hi\\n')); c.on('data', (d) => process.stdout.write(d))`;
      const r = await run(['node', '-e', client, socketPath]);
      expect(r.stdout).toBe('echo:hi');
      const w = await sh(`touch ${shellQuote(join(outside, 'w'))}`);
      expect(w.stderr).toMatch(/Read-only file system/);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('passes the environment through', async () => {
    const r = await sh('printf %s "$TMUXORCH_SANDBOX_VAR"', spec(), { TMUXORCH_SANDBOX_VAR: 'seen inside' });
    expect(r.stdout).toBe('seen inside');
  });

  it('sandboxPrefix runs a shell line with &&, quotes and a pipe inside', async () => {
    const line = `echo "a b" 'c"d' | tr a-z A-Z > out && cat out | wc -c && touch ${shellQuote(join(outside, 'x'))}`;
    const r = await execa('bash', ['-c', `${sandboxPrefix(BWRAP, spec())} ${shellQuote(line)}`], {
      cwd: workspace,
      reject: false,
    });
    expect(await readFile(join(workspace, 'out'), 'utf8')).toBe('A B C"D\n');
    expect(r.stdout.trim()).toBe('8');
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  describe('git', () => {
    let repo: string;
    let tree: string;
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
    const commitLine = 'echo v > f && git add f && git -c user.name=t -c user.email=t@t commit -qm inside';
    beforeAll(async () => {
      repo = join(base, 'repo');
      tree = join(base, 'tree');
      await mkdir(repo);
      git(repo, 'init', '-q');
      git(repo, 'commit', '-q', '--allow-empty', '-m', 'init');
      git(repo, 'worktree', 'add', '-q', tree, '-b', 'step');
    });

    it('without gitDir a linked worktree cannot commit: its git metadata stays read-only', async () => {
      const r = await sh(commitLine, spec({ workspace: tree }));
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/index\.lock.*Read-only file system/);
      const rewrite = await sh('echo "gitdir: /elsewhere" > .git', spec({ workspace: tree }));
      expect(rewrite.stderr).toMatch(/Read-only file system/);
    });

    it("with the worktree's gitDir it commits, but the common config and hooks stay read-only", async () => {
      const gitDir = git(tree, 'rev-parse', '--absolute-git-dir').trim();
      const r = await sh(
        `${commitLine} && git branch side && git tag t1 && git config core.fsmonitor evil; touch ${shellQuote(join(repo, '.git', 'hooks', 'x'))}`,
        spec({ workspace: tree, gitDir }),
      );
      expect(git(repo, 'log', '--format=%s', '-1', 'step').trim()).toBe('inside');
      expect(git(repo, 'tag').trim()).toBe('t1');
      expect(r.stderr.match(/Read-only file system/g)).toHaveLength(2);
      expect(() => git(repo, 'config', 'core.fsmonitor')).toThrow(); // unset
    });

    it("with a main repository's own .git as gitDir it commits, config and hooks read-only", async () => {
      const gitDir = join(repo, '.git');
      const r = await sh(
        `${commitLine} && git config core.fsmonitor evil`,
        spec({ workspace: repo, gitDir }),
      );
      expect(git(repo, 'log', '--format=%s', '-1').trim()).toBe('inside');
      expect(r.stderr).toMatch(/could not (lock|write) config file|Read-only file system/);
      expect(() => git(repo, 'config', 'core.fsmonitor')).toThrow(); // unset
      const without = await sh(commitLine.replace('echo v', 'echo w'), spec({ workspace: repo }));
      expect(without.stderr).toMatch(/Read-only file system/);
    });
  });

  describe('an interactive shell in a tmux pane', () => {
    const pane = 'sb:0.0';
    const screen = async () => (await tmux('capture-pane', '-p', '-t', pane)).stdout;
    beforeAll(async () => {
      await tmux(
        'new-session',
        '-d',
        '-s',
        'sb',
        '-x',
        '150',
        '-y',
        '40',
        '-c',
        workspace,
        'env PS1="OUT$ " bash --norc',
      );
    });

    it('runs bash under the prefix with a working terminal: writes, tty, job control, Ctrl-C', async () => {
      await tmux(
        'send-keys',
        '-t',
        pane,
        `PS1='IN$ ' ${sandboxPrefix(BWRAP, spec())} 'bash --norc'`,
        'Enter',
      );
      await waitFor(async () => (await screen()).includes('IN$ '), { message: 'inner prompt' });
      await tmux(
        'send-keys',
        '-t',
        pane,
        'echo hi > file; tty > tty.txt; (exec 3</dev/tty) && echo ok > devtty.txt',
        'Enter',
      );
      await waitFor(() => existsSync(join(workspace, 'devtty.txt')), { message: 'devtty.txt' });
      expect(await readFile(join(workspace, 'file'), 'utf8')).toBe('hi\n');
      // bwrap's fresh /dev shows the pane's pty as /dev/console; same device as the pane's tty.
      expect((await readFile(join(workspace, 'tty.txt'), 'utf8')).trim()).toBe('/dev/console');
      const paneTty = (await tmux('display-message', '-p', '-t', pane, '#{pane_tty}')).stdout.trim();
      await tmux('send-keys', '-t', pane, 'stat -c %t:%T /dev/console > console.txt', 'Enter');
      const inner = await waitFor(() =>
        readFile(join(workspace, 'console.txt'), 'utf8').then((t) => t.trim() || null),
      );
      expect(inner).toBe((await execa('stat', ['-c', '%t:%T', paneTty])).stdout);
      // Ctrl-C interrupts the inner job, not the sandbox (what --new-session would break).
      await tmux('send-keys', '-t', pane, 'sleep 60; echo after > after.txt', 'Enter');
      await waitFor(async () => (await screen()).includes('sleep 60'), { message: 'sleep typed' });
      await tmux('send-keys', '-t', pane, 'C-c');
      await tmux('send-keys', '-t', pane, 'echo still-in > still.txt', 'Enter');
      await waitFor(() => existsSync(join(workspace, 'still.txt')), {
        message: 'inner shell survived Ctrl-C',
      });
      expect(existsSync(join(workspace, 'after.txt'))).toBe(false);
    });

    it.skipIf(!havePython)(
      'refuses TIOCSTI, so nothing can be typed into the pane behind the sandbox',
      async () => {
        const py =
          'import fcntl, termios\ntry:\n  fcntl.ioctl(0, termios.TIOCSTI, b"x"); print("pushed")\nexcept OSError as e: print(e.errno)\n';
        await writeFile(join(workspace, 'tiocsti.py'), py);
        await tmux('send-keys', '-t', pane, 'python3 tiocsti.py > tiocsti.txt', 'Enter');
        const out = await waitFor(
          () => readFile(join(workspace, 'tiocsti.txt'), 'utf8').then((t) => t.trim() || null),
          {
            message: 'tiocsti.txt',
          },
        );
        expect(out).toBe('1'); // EPERM
      },
    );
  });
});
