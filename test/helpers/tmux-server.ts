// A private tmux server per test: its own -L socket, no user config, cleaned up afterwards.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { nanoid } from 'nanoid';
import { ExecTransport } from '../../src/infrastructure/tmux/exec-transport.js';
import type { TmuxSocket } from '../../src/infrastructure/tmux/transport.js';

export interface TestTmuxServer {
  readonly socket: TmuxSocket;
  readonly name: string;
  readonly exec: ExecTransport;
  // Runs a tmux command on this server and returns stdout; throws on failure.
  tmux(...args: string[]): Promise<string>;
  // Starts the server with one detached session running a plain bash.
  startSession(session?: string): Promise<void>;
  // Opens a detached window running `command` (in the session `target` names, else the current
  // one) and returns its pane id.
  newWindow(command: string, target?: string): Promise<string>;
  kill(): Promise<void>;
}

export const TEST_SHELL_ENV = { PS1: '$ ', HISTFILE: '/dev/null' } as const;

// Where tmux puts a `-L name` socket (kill-server leaves the file behind).
export function socketFileOf(name: string): string {
  const uid = process.getuid?.() ?? 0;
  return join(process.env.TMUX_TMPDIR ?? tmpdir(), `tmux-${uid}`, name);
}

export function newSocketName(): string {
  return `tmuxorch-test-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
}

export function createTestTmuxServer(name = newSocketName()): TestTmuxServer {
  const socket: TmuxSocket = { name, configFile: '/dev/null' };
  const env: NodeJS.ProcessEnv = { ...process.env, ...TEST_SHELL_ENV };
  delete env.TMUX;
  delete env.TMUX_PANE;
  const exec = new ExecTransport({ socket, env });
  const tmux = async (...args: string[]): Promise<string> => {
    const result = await execa('tmux', ['-L', name, '-f', '/dev/null', ...args], { env, extendEnv: false });
    return result.stdout;
  };
  return {
    socket,
    name,
    exec,
    tmux,
    async startSession(session = 'test') {
      await tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', 'bash --norc --noprofile');
    },
    async newWindow(command, target) {
      const where = target === undefined ? [] : ['-t', target];
      return (await tmux('new-window', '-d', '-P', '-F', '#{pane_id}', ...where, command)).trim();
    },
    async kill() {
      // Never let a cleanup error hide the real failure.
      await execa('tmux', ['-L', name, 'kill-server'], { reject: false, env, extendEnv: false });
      await rm(socketFileOf(name), { force: true });
    },
  };
}

// The environment a Fleet.ephemeral() of a test runs with: the test shell, no tmux config, and
// none of the caller's tmux or tmuxorch variables (a test run inside tmux must not reach it).
export function ephemeralFleetEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...TEST_SHELL_ENV, TMUXORCH_TMUX_CONF: '/dev/null' };
  for (const key of ['TMUX', 'TMUX_PANE', 'TMUXORCH_HOME', 'TMUXORCH_SOCKET', 'TMUXORCH_SESSION'])
    delete env[key];
  return env;
}
