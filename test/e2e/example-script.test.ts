// The examples must work as written: examples/cli.sh.example runs every command in order;
// examples/parallel-tests.mjs uses the TypeScript API (an ephemeral fleet, as no daemon runs).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { newSocketName, socketFileOf } from '../helpers/tmux-server.js';

const script = resolve(import.meta.dirname, '../../examples/cli.sh.example');
const apiExample = resolve(import.meta.dirname, '../../examples/parallel-tests.mjs');
const socket = newSocketName();
let home = '';

afterAll(async () => {
  await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
  await rm(socketFileOf(socket), { force: true });
  if (home) await rm(home, { recursive: true, force: true });
});

it('runs every command of examples/cli.sh.example successfully', async () => {
  home = await mkdtemp(join(tmpdir(), 'tmuxorch-example-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMUXORCH_SOCKET: socket,
    TMUXORCH_HOME: home,
    TMUXORCH_TMUX_CONF: '/dev/null',
    NO_COLOR: '1',
  };
  delete env.TMUX;
  const result = await execa('bash', [script], {
    env,
    extendEnv: false,
    reject: false,
    timeout: 120_000,
    stdin: 'ignore',
  });
  const transcript = `${String(result.stdout)}\n${String(result.stderr)}`;
  expect(result.exitCode, transcript).toBe(0);
  expect(transcript).toContain('exit code 3 as expected');
  expect(transcript).toContain('from a task file');
  expect(transcript).toContain('timed out with exit code 124');
  expect(transcript).toContain('web is back');
  expect(transcript).toContain('tmuxorch daemon stopped');
  expect(transcript).toContain('run failed as expected (exit 1)');
  expect(transcript).toContain('api: succeeded, web-smoke: succeeded');
}, 150_000);

it('runs examples/parallel-tests.mjs: a passing and a failing project, then the building blocks', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tmuxorch-api-example-'));
  try {
    await mkdir(join(dir, 'good'));
    await mkdir(join(dir, 'bad'));
    await writeFile(join(dir, 'good', 'check.sh'), 'echo checking; exit 0\n');
    await writeFile(join(dir, 'bad', 'check.sh'), 'echo checking; exit 4\n');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TMUXORCH_SOCKET: socket,
      TMUXORCH_HOME: join(dir, 'home'),
      TMUXORCH_TMUX_CONF: '/dev/null',
      NO_COLOR: '1',
    };
    delete env.TMUX;
    const result = await execa(
      process.execPath,
      [apiExample, '--cmd', 'bash check.sh', join(dir, 'good'), join(dir, 'bad')],
      { env, extendEnv: false, reject: false, timeout: 60_000, stdin: 'ignore' },
    );
    const transcript = `${String(result.stdout)}\n${String(result.stderr)}`;
    // One project failed (after its retry), so the example exits 1, as `tmuxorch run` would.
    expect(result.exitCode, transcript).toBe(1);
    expect(transcript).toContain('ephemeral fleet');
    expect(transcript).toMatch(/good +succeeded +exit 0/);
    expect(transcript).toMatch(/bad +failed +exit 4/);
    expect(transcript).toMatch(/task t-\S+: succeeded, output "not a git repo"/);
    expect(transcript).toContain('health: 1 of 1 workers alive');
    // close() removed the ephemeral session.
    const sessions = await execa('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], {
      reject: false,
    });
    expect(String(sessions.stdout)).not.toMatch(/^tmuxorch-/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 90_000);
