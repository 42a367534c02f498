// The CLI without a running daemon: --help and --version, DAEMON_NOT_RUNNING, and a corrupt
// state file that `start` refuses. None of it may leave a daemon or a tmux server behind.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { expectFailure, expectNoStack, processesOfHome, runJson, stateDir, stateFile } from './support.js';
import { useCliFleet, useFreshCliFleets } from './cli-fleets.js';

const COMMANDS = [
  'start',
  'stop',
  'add-worker',
  'remove-worker',
  'list',
  'revive',
  'capture',
  'attach',
  'send',
  'result',
  'cancel',
  'logs',
  'flow',
  'status',
  'health-check',
  'config',
  'approve',
  'deny',
  'doctor',
  'run',
  'recover',
  'schema',
  'roles',
  'policy',
  'token',
  'mcp',
  'queue',
  'budget',
  'prune',
] as const;

async function serverRunning(fleet: CliFleet): Promise<boolean> {
  return fleet.tmux.tmux('list-sessions').then(
    () => true,
    () => false,
  );
}

describe('--help and --version', () => {
  let fleet: CliFleet;

  useCliFleet((made) => (fleet = made));

  it('--help lists every command', async () => {
    const run = await fleet.run(['--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Usage: tmuxorch');
    const listed = run.stdout
      .slice(run.stdout.indexOf('Commands:'))
      .split('\n')
      .map((line) => /^ {2}([a-z][a-z-]*)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined && name !== 'help');
    expect(listed.sort()).toEqual([...COMMANDS].sort());
  });

  it('<command> --help works for every command without a daemon', async () => {
    const runs = await Promise.all(COMMANDS.map((command) => fleet.run([command, '--help'])));
    runs.forEach((run, i) => {
      const command = COMMANDS[i];
      expect(run.exitCode, `${command} --help: ${run.stderr}`).toBe(0);
      expect(run.stdout).toContain(`Usage: tmuxorch ${command}`);
      expect(run.stdout).toContain('--help');
      // The options every command takes are listed in its own help too (--json above all).
      expect(run.stdout, `${command} --help`).toMatch(/Global Options:[\s\S]*--json/);
      expectNoStack(run);
    });
    const viaHelp = await fleet.run(['help', 'send']);
    expect(viaHelp.exitCode).toBe(0);
    expect(viaHelp.stdout).toContain('Usage: tmuxorch send');
    expect(await fleet.daemonPid()).toBeNull();
    expect(await serverRunning(fleet)).toBe(false);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const [long, short] = await Promise.all([fleet.run(['--version']), fleet.run(['-V'])]);
    expect(long.exitCode).toBe(0);
    expect(long.stdout.trim()).toBe(pkg.version);
    expect(short.exitCode).toBe(0);
    expect(short.stdout.trim()).toBe(pkg.version);
  });
});

describe('commands when the daemon is not running', () => {
  let fleet: CliFleet;

  useCliFleet((made) => (fleet = made));

  it('fail with DAEMON_NOT_RUNNING, exit 1, and start nothing', async () => {
    const project = await fleet.home.project('p');
    const commands = [
      ['status'],
      ['list'],
      ['health-check'],
      ['send', 'w', '--', 'true'],
      ['send', 'w', '--wait', '--', 'true'],
      ['result', 't-1'],
      ['logs', 'w'],
      ['capture', 'w'],
      ['add-worker', '--type', 'shell', '--project', project],
      ['remove-worker', 'w'],
    ];
    await Promise.all(
      commands.map((args, i) => expectFailure(fleet, args, 'DAEMON_NOT_RUNNING', 1, { plain: i === 0 })),
    );
    expect(await fleet.daemonPid()).toBeNull();
    expect(await serverRunning(fleet)).toBe(false);
    expect(await processesOfHome(fleet)).toEqual([]);
    const stop = await runJson<{ stopped: boolean }>(fleet, ['stop']);
    expect(stop.exitCode).toBe(0);
    expect(stop.body.stopped).toBe(false);
  });
});

describe('a corrupt state file', () => {
  const fleets = useFreshCliFleets();

  it('start refuses with STATE_CORRUPT, leaves the file alone and starts nothing', async () => {
    const f = await fleets.create();
    await mkdir(stateDir(f), { recursive: true });
    const garbage = '{"version":1,\u0000 garbage \u00ff';
    await writeFile(stateFile(f), garbage, 'utf8');
    const bytes = await readFile(stateFile(f));

    const { exitCode, body, run } = await runJson<{ error: { code: string; message: string } }>(f, ['start']);
    expect(exitCode, run.stdout + run.stderr).toBe(1);
    expect(body.error.code).toBe('STATE_CORRUPT');
    expect(body.error.message.trim()).not.toBe('');
    expect(body.error.message).not.toContain('\n');
    expect(await readFile(stateFile(f))).toEqual(bytes);

    const plain = await f.run(['start']);
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(stateFile(f))).toEqual(bytes);

    await waitFor(async () => (await processesOfHome(f)).length === 0, {
      timeoutMs: 10_000,
      message: 'no daemon keeps running',
    });
    expect(await f.daemonPid()).toBeNull();
    expect(await serverRunning(f)).toBe(false);
    const down = await runJson<{ error: { code: string } }>(f, ['status']);
    expect(down.body.error.code).toBe('DAEMON_NOT_RUNNING');
  });

  it('a state file with a valid JSON but a wrong shape is refused the same way', async () => {
    const f = await fleets.create();
    await mkdir(stateDir(f), { recursive: true });
    const text = JSON.stringify({
      version: 1,
      session: 'agent-system',
      nextSeq: 'many',
      workers: [],
      tasks: [],
    });
    await writeFile(stateFile(f), text);
    const { exitCode, body } = await runJson<{ error: { code: string } }>(f, ['start']);
    expect(exitCode).toBe(1);
    expect(body.error.code).toBe('STATE_CORRUPT');
    expect(await readFile(stateFile(f), 'utf8')).toBe(text);
    expect(await f.daemonPid()).toBeNull();
  });
});

describe('tmuxorch config', () => {
  const fleets = useFreshCliFleets();

  it('sets, gets and unsets defaults; refuses bad values and keys without writing', async () => {
    const f = await fleets.create();
    expect((await f.run(['config', 'set', 'healthIntervalMs', '3000'])).exitCode).toBe(0);
    expect((await f.run(['config', 'set', 'restart.maxRestarts', '2'])).exitCode).toBe(0);
    const got = await runJson<{ value: number }>(f, ['config', 'get', 'healthIntervalMs']);
    expect(got.body.value).toBe(3000);
    const configFile = resolve(String(f.env.TMUXORCH_HOME), 'config.json');
    const before = await readFile(configFile, 'utf8');
    expect(JSON.parse(before)).toEqual({ healthIntervalMs: 3000, restart: { maxRestarts: 2 } });

    await expectFailure(f, ['config', 'set', 'healthIntervalMs', '-5'], 'CONFIG_INVALID', 2);
    await expectFailure(f, ['config', 'set', 'nonsense', '1'], 'CONFIG_INVALID', 2);
    expect(await readFile(configFile, 'utf8')).toBe(before);

    expect((await f.run(['config', 'unset', 'healthIntervalMs'])).exitCode).toBe(0);
    const defaulted = await runJson<{ value: number }>(f, ['config', 'get', 'healthIntervalMs']);
    expect(defaulted.body.value).toBe(2000);
  });

  it('start refuses an invalid config.json with CONFIG_INVALID (exit 2) and starts nothing', async () => {
    const f = await fleets.create();
    const home = String(f.env.TMUXORCH_HOME);
    await mkdir(home, { recursive: true });
    await writeFile(resolve(home, 'config.json'), '{"maxWorkers": "lots"}');
    await expectFailure(f, ['start'], 'CONFIG_INVALID', 2, { plain: true });
    expect(await f.daemonPid()).toBeNull();
    expect(await serverRunning(f)).toBe(false);
  });
});
