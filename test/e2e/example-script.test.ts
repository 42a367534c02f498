// examples/cli.sh.example must work as written: it runs every command in order.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { newSocketName, socketFileOf } from '../helpers/tmux-server.js';

const script = resolve(import.meta.dirname, '../../examples/cli.sh.example');
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
}, 150_000);
