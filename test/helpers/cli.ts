// Runs the built `tmuxorch` binary as a user would, against a private tmux socket and home.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { createTestTmuxServer, newSocketName, TEST_SHELL_ENV, type TestTmuxServer } from './tmux-server.js';
import { createTmpHome, type TmpHome } from './tmp-home.js';
import { waitFor } from './wait-for.js';

export const CLI_PATH = resolve(import.meta.dirname, '../../dist/bin/tmuxorch.js');

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliFleet {
  readonly home: TmpHome;
  readonly tmux: TestTmuxServer;
  readonly session: string;
  readonly env: NodeJS.ProcessEnv;
  run(args: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<CliRun>;
  // Runs with --json and parses stdout.
  json<T>(args: readonly string[]): Promise<{ exitCode: number; body: T }>;
  daemonPid(): Promise<number | null>;
  // Stops the daemon (by its pid, SIGKILL as a last resort), kills the tmux server, removes the home.
  cleanup(): Promise<void>;
}

export interface CliFleetOptions {
  // Extra environment for every CLI run (and so for the daemon it starts, and its panes): a value
  // sets the variable, undefined removes an inherited one. The fleet's own TMUXORCH_* variables
  // are not overridden.
  readonly env?: Readonly<Record<string, string | undefined>>;
  // Where the fleet's temp dir (its TMUXORCH_HOME, projects) is made: the system temp dir unless said.
  readonly parentDir?: string;
}

export async function createCliFleet(options: CliFleetOptions = {}): Promise<CliFleet> {
  const home = await createTmpHome(undefined, options.parentDir);
  const socket = newSocketName();
  const tmux = createTestTmuxServer(socket);
  const session = 'agent-system';
  const extra = Object.entries(options.env ?? {});
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...TEST_SHELL_ENV,
    ...Object.fromEntries(extra.filter(([, value]) => value !== undefined)),
    TMUXORCH_HOME: join(home.dir, 'home'),
    TMUXORCH_SOCKET: socket,
    TMUXORCH_SESSION: session,
    TMUXORCH_TMUX_CONF: '/dev/null',
    NO_COLOR: '1',
    // Warnings of the CLI, the daemon and the sim agent go to a file that cleanup() checks.
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--redirect-warnings=${join(home.dir, 'node-warnings.log')}`]
      .filter(Boolean)
      .join(' '),
  };
  for (const [key, value] of extra) if (value === undefined && !key.startsWith('TMUXORCH_')) delete env[key];
  delete env.TMUX;
  delete env.TMUX_PANE;
  const pidFile = join(home.dir, 'home', 'state', 'daemon.pid');
  const daemonPid = async (): Promise<number | null> => {
    try {
      const pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
      return Number.isInteger(pid) ? pid : null;
    } catch {
      return null;
    }
  };
  const run = async (
    args: readonly string[],
    options: { timeoutMs?: number; input?: string } = {},
  ): Promise<CliRun> => {
    const result = await execa(process.execPath, [CLI_PATH, ...args], {
      env,
      extendEnv: false,
      reject: false,
      timeout: options.timeoutMs ?? 60_000,
      ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
    });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
  return {
    home,
    tmux,
    session,
    env,
    run,
    async json<T>(args: readonly string[]) {
      const result = await run([...args, '--json']);
      return { exitCode: result.exitCode, body: JSON.parse(result.stdout) as T };
    },
    daemonPid,
    async cleanup() {
      const pid = await daemonPid();
      if (pid) {
        await run(['stop'], { timeoutMs: 20_000 }).catch(() => undefined);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await tmux.kill();
      const warnings = await readFile(join(home.dir, 'node-warnings.log'), 'utf8').catch(() => '');
      await home.remove();
      if (warnings.trim() !== '') throw new Error(`Node warnings while the test ran:\n${warnings}`);
    },
  };
}

// `tmuxorch run …` interrupted as a terminal's Ctrl-C does it: the CLI runs in a process group of
// its own (detached), and once `ready()` holds, SIGINT goes to the whole group. Resolves with the
// CLI's exit code and output; the group is killed if the CLI outlives the test.
export async function interruptedRun(
  fleet: CliFleet,
  args: readonly string[],
  ready: () => Promise<boolean>,
): Promise<CliRun> {
  const child = execa(process.execPath, [CLI_PATH, ...args], {
    env: fleet.env,
    extendEnv: false,
    detached: true,
    reject: false,
    stdin: 'ignore',
    timeout: 50_000,
  });
  const group = child.pid ?? 0;
  try {
    await waitFor(ready, { timeoutMs: 30_000, message: 'the run is under way' });
    process.kill(-group, 'SIGINT');
    const result = await child;
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  } finally {
    if (child.exitCode === null) process.kill(-group, 'SIGKILL');
  }
}
