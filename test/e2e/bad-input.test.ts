// Bad input through the CLI: each mistake gets a stable error code and exit code, one sentence
// without a stack, and changes nothing (state.json byte-identical, no new worker or task).
import { access, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { homePaths } from '../../src/infrastructure/config/paths.js';
import { RpcClient } from '../../src/controller/rpc-client.js';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  storedState,
  addShell,
  expectFailure,
  expectOk,
  readState,
  status,
  type StatusView,
} from './support.js';
import { useCliFleet } from './cli-fleets.js';

const readFileOrNull = (file: string): Promise<string | null> => readFile(file, 'utf8').catch(() => null);

describe('bad input with the daemon running', () => {
  let fleet: CliFleet;
  let project: string;
  let baseline: { state: string; status: StatusView };
  let yamlTask: { exitCode: number; stdout: string };

  useCliFleet(async (made) => {
    fleet = made;
    await expectOk(fleet, ['start']);
    await addShell(fleet, 'solo');
    project = await fleet.home.project('other');
    // The one task of the baseline comes from a YAML task file (once run as a shell script: 127).
    const yaml = join(fleet.home.dir, 'ready.yaml');
    await writeFile(yaml, 'command: echo ready\npriority: high\n');
    const done = await fleet.run(['send', 'solo', '--wait', '--file', yaml]);
    yamlTask = done;
    expect(done.exitCode).toBe(0);
    // The daemon writes state.json a moment after a task ends: wait until it is settled.
    const settled = await waitFor(
      async () => {
        const state = await storedState(fleet);
        const done =
          state.workers.every((w) => w.state === 'idle') &&
          state.tasks.every((t) => t.status === 'succeeded');
        return done ? readState(fleet) : null;
      },
      { message: 'the state on disk shows the fleet idle' },
    );
    baseline = { state: settled, status: await status(fleet) };
    expect(baseline.status.tasks).toHaveLength(1);
  });

  // Runs `attempt` and checks that the fleet is exactly as it was after beforeAll.
  async function changesNothing(attempt: () => Promise<unknown>): Promise<void> {
    await attempt();
    const [state, after, windows] = await Promise.all([
      readState(fleet),
      status(fleet),
      fleet.tmux.tmux('list-windows', '-t', fleet.session, '-F', '#{window_name}'),
    ]);
    expect(state).toBe(baseline.state);
    expect(after.workers).toEqual(baseline.status.workers);
    expect(after.tasks.map((t) => t.id)).toEqual(baseline.status.tasks.map((t) => t.id));
    expect(windows.split('\n')).toEqual(['controller', 'solo']);
  }

  // Nothing ran in `project`: every job of these runs would have touched this file.
  async function ranInProject(): Promise<boolean> {
    return access(join(project, 'ran')).then(
      () => true,
      () => false,
    );
  }

  async function taskFile(name: string, text: string): Promise<string> {
    const file = join(fleet.home.dir, name);
    await writeFile(file, text);
    return file;
  }

  it('send to an unknown worker: WORKER_NOT_FOUND, exit 1', async () => {
    await changesNothing(async () => {
      const [error] = await Promise.all([
        expectFailure(fleet, ['send', 'nosuch', '--', 'true'], 'WORKER_NOT_FOUND', 1, { plain: true }),
        expectFailure(fleet, ['send', 'nosuch', '--wait', '--', 'true'], 'WORKER_NOT_FOUND', 1),
        expectFailure(fleet, ['capture', 'nosuch'], 'WORKER_NOT_FOUND', 1),
        expectFailure(fleet, ['remove-worker', 'nosuch'], 'WORKER_NOT_FOUND', 1),
      ]);
      expect(error.details).toMatchObject({ worker: 'nosuch' });
    });
  });

  it('an unknown task: TASK_NOT_FOUND, exit 1', async () => {
    await changesNothing(async () => {
      await Promise.all([
        expectFailure(fleet, ['result', 't-nosuch'], 'TASK_NOT_FOUND', 1, { plain: true }),
        expectFailure(fleet, ['cancel', 't-nosuch'], 'TASK_NOT_FOUND', 1),
      ]);
    });
  });

  it('add-worker with a bad --type: USAGE, exit 2', async () => {
    await changesNothing(() =>
      expectFailure(fleet, ['add-worker', '--type', 'robot', '--project', project], 'USAGE', 2, {
        plain: true,
      }),
    );
  });

  it('add-worker with a missing project directory: PROJECT_NOT_FOUND, exit 1', async () => {
    const missing = join(fleet.home.dir, 'projects', 'does-not-exist');
    await changesNothing(() =>
      expectFailure(
        fleet,
        ['add-worker', '--type', 'shell', '--project', missing, '--name', 'ghost'],
        'PROJECT_NOT_FOUND',
        1,
        {
          plain: true,
        },
      ),
    );
  });

  it('add-worker of an agent whose CLI is not on PATH: AGENT_NOT_INSTALLED, exit 1, no window', async () => {
    // The daemon's PATH (inherited by panes) has no aider on this machine (a Python tool).
    await changesNothing(() =>
      expectFailure(
        fleet,
        ['add-worker', '--type', 'aider', '--project', project],
        'AGENT_NOT_INSTALLED',
        1,
        {
          plain: true,
        },
      ),
    );
  });

  it('add-worker of a type no profile describes: USAGE, exit 2, naming the known types', async () => {
    await changesNothing(() =>
      expectFailure(fleet, ['add-worker', '--type', 'nosuch', '--project', project], 'USAGE', 2, {
        plain: true,
      }),
    );
  });

  it('add-worker with a name already taken: WORKER_EXISTS, exit 1', async () => {
    await changesNothing(() =>
      expectFailure(
        fleet,
        ['add-worker', '--type', 'shell', '--project', project, '--name', 'solo'],
        'WORKER_EXISTS',
        1,
        { plain: true },
      ),
    );
  });

  it('a malformed task file: TASK_FILE_INVALID, exit 2', async () => {
    const files = [
      await taskFile('broken.json', '{"command": "echo hi",'),
      await taskFile('unknown-field.json', JSON.stringify({ command: 'echo hi', colour: 'blue' })),
      await taskFile('empty-command.json', JSON.stringify({ command: '' })),
      await taskFile('bad-priority.json', JSON.stringify({ command: 'echo hi', priority: 'urgent' })),
      await taskFile('empty.sh', '  \n'),
      join(fleet.home.dir, 'missing.json'),
    ];
    await changesNothing(async () => {
      await Promise.all(
        files.map((file, i) =>
          expectFailure(fleet, ['send', 'solo', '--file', file], 'TASK_FILE_INVALID', 2, { plain: i === 0 }),
        ),
      );
    });
  });

  it('send without a command, or with a bad flag value: USAGE, exit 2', async () => {
    await changesNothing(async () => {
      await Promise.all([
        expectFailure(fleet, ['send', 'solo'], 'USAGE', 2, { plain: true }),
        expectFailure(fleet, ['send', 'solo', '--'], 'USAGE', 2),
        expectFailure(fleet, ['send', 'solo', '--timeout', 'abc', '--', 'true'], 'USAGE', 2, { plain: true }),
        expectFailure(fleet, ['send', 'solo', '--timeout', '0s', '--', 'true'], 'USAGE', 2),
        expectFailure(fleet, ['send', 'solo', '--priority', 'urgent', '--', 'true'], 'USAGE', 2),
        expectFailure(fleet, ['send', 'solo', '--retries', '-1', '--', 'true'], 'USAGE', 2),
      ]);
    });
  });

  it('an unknown command or option: exit 2 (USAGE with --json)', async () => {
    await changesNothing(async () => {
      await Promise.all([
        expectFailure(fleet, ['frobnicate'], 'USAGE', 2, { plain: true }),
        expectFailure(fleet, ['list', '--no-such-flag'], 'USAGE', 2),
        expectFailure(fleet, ['add-worker', '--type', 'shell'], 'USAGE', 2),
      ]);
    });
  });

  it('send --file of a .yaml task runs its command (not the file as a script)', () => {
    expect(yamlTask.stdout).toBe('ready');
  });

  it('a YAML jobs file given to send --file: TASK_FILE_INVALID, exit 2, pointing at run', async () => {
    const file = await taskFile('jobs.yaml', `jobs:\n  - project: ${project}\n    command: touch ran\n`);
    await changesNothing(async () => {
      const error = await expectFailure(fleet, ['send', 'solo', '--file', file], 'TASK_FILE_INVALID', 2, {
        plain: true,
      });
      expect(error.message).toContain('tmuxorch run');
    });
    expect(await ranInProject()).toBe(false);
  });

  it('run with an output path it cannot write: USAGE, exit 2, at once, nothing run', async () => {
    const procfs = await access('/proc/self/stat').then(
      () => true,
      () => false,
    );
    const dangling = join(fleet.home.dir, 'dangling');
    await symlink(join(fleet.home.dir, 'nowhere'), dangling);
    const plainFile = await taskFile('plain.txt', 'x');
    const bad: string[][] = [
      ['--junit', '/etc/passwd/j.xml'],
      ['--junit', fleet.home.dir],
      ['--junit', join(dangling, 'j.xml')],
      ['--junit', '/dev/null'],
      ['--out', '/etc/passwd/out'],
      ['--out', plainFile],
      ['--out', join(dangling, 'out')],
      // Node's recursive mkdir spun here for ever (85% of a core, for over ten minutes).
      ...(procfs
        ? [
            ['--junit', '/proc/tmuxorch-nope/j.xml'],
            ['--out', '/proc/tmuxorch-nope'],
          ]
        : []),
    ];
    const started = Date.now();
    await changesNothing(async () => {
      for (const [i, flags] of bad.entries()) {
        const error = await expectFailure(
          fleet,
          ['run', '--project', project, '--cmd', 'touch ran', ...flags],
          'USAGE',
          2,
          { plain: i === 0 || flags[1]?.startsWith('/proc') === true },
        );
        expect(error.message, flags.join(' ')).toContain(flags[0]);
      }
    });
    // Each refusal is a check, not a run: all of them together in well under a minute.
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(await ranInProject()).toBe(false);
    expect(await readdir(join(fleet.home.dir, 'home'))).not.toContain('runs');
  });

  it('empty values are refused, not taken as the default: USAGE, exit 2', async () => {
    const cases: string[][] = [
      ['add-worker', '--type', 'shell', '--project', ''],
      ['add-worker', '--type', 'shell', '--project', project, '--name', ''],
      ['add-worker', '--type', 'shell', '--project', project, '--role', ''],
      ['send', 'solo', '--timeout', '', '--', 'touch ran'],
      ['send', 'solo', '--retries', '', '--', 'touch ran'],
      ['send', 'solo', '--file', ''],
      ['run', '--project', '', '--cmd', 'touch ran'],
      ['run', '--project', project, '--cmd', 'touch ran', '--junit', ''],
      ['run', '--project', project, '--cmd', 'touch ran', '--out', ''],
      ['run', '--project', project, '--cmd', 'touch ran', '--retries', ''],
      ['--home', '', 'list'],
      ['--socket', '', 'list'],
    ];
    await changesNothing(async () => {
      for (const [i, args] of cases.entries())
        await expectFailure(fleet, args, 'USAGE', 2, { plain: i < 2 || args[0] === '--home' });
    });
    expect(await ranInProject()).toBe(false);
  });

  it.each([
    {
      title: 'add-worker --role that names no role: USAGE, exit 2, naming the roles there are',
      option: ['--role', 'nosuch'],
      named: 'no role is named nosuch',
    },
    {
      title: 'add-worker --env with a line break in a value: USAGE, exit 2, not an internal error',
      option: ['--env', 'MULTI=one\ntwo'],
      named: 'MULTI',
    },
  ])('$title', async ({ option, named }) => {
    await changesNothing(async () => {
      const error = await expectFailure(
        fleet,
        ['add-worker', '--type', 'shell', '--project', project, ...option],
        'USAGE',
        2,
        { plain: true },
      );
      expect(error.message).toContain(named);
    });
  });

  it('the daemon itself refuses a relative project, an empty name and a line break in env', async () => {
    const client = await RpcClient.connect(homePaths(String(fleet.env.TMUXORCH_HOME)));
    const codeOf = (params: Record<string, unknown>): Promise<unknown> =>
      client.call('addWorker', { type: 'shell', ...params }).then(
        () => 'accepted',
        (error: unknown) => (error as { code?: unknown }).code,
      );
    try {
      await changesNothing(async () => {
        // Relative to what? The daemon's directory is nobody's project.
        expect(await codeOf({ project: 'projects/other' })).toBe('USAGE');
        expect(await codeOf({ project: '.' })).toBe('USAGE');
        expect(await codeOf({ project: '' })).toBe('USAGE');
        expect(await codeOf({ project, name: '' })).toBe('USAGE');
        expect(await codeOf({ project, env: { A: 'one\ntwo' } })).toBe('USAGE');
        expect(await codeOf({ project, role: 'nosuch' })).toBe('USAGE');
      });
    } finally {
      client.close();
    }
  });

  it('config set/unset of a key that does not exist: CONFIG_INVALID, exit 2, config.json untouched', async () => {
    const configFile = join(fleet.home.dir, 'home', 'config.json');
    const before = await readFileOrNull(configFile);
    await changesNothing(async () => {
      for (const [i, args] of [
        ['config', 'set', 'restart.bogus', '1'],
        ['config', 'set', 'restart.maxRestarts.deeper', '1'],
        ['config', 'set', 'maxWorkers.x', '1'],
        ['config', 'unset', 'bogusKey'],
        ['config', 'unset', 'restart.bogus'],
      ].entries()) {
        const error = await expectFailure(fleet, args, 'CONFIG_INVALID', 2, { plain: i === 0 || i === 3 });
        expect(error.message).toContain(args[2]);
      }
    });
    expect(await readFileOrNull(configFile)).toBe(before);
  });

  it("commander's own usage errors read like ours: one line, tmuxorch: …, a hint to --help", async () => {
    for (const [args, hint] of [
      [['frobnicate'], 'tmuxorch --help'],
      [['list', '--no-such-flag'], 'tmuxorch list --help'],
      [['add-worker', '--type', 'shell'], 'tmuxorch add-worker --help'],
      [['send'], 'tmuxorch send --help'],
      [['config', 'set', 'maxWorkers'], 'tmuxorch config set --help'],
      [['add-worker', '--type', 'shell', '--project', '.', '--nam', 'x'], 'tmuxorch add-worker --help'],
    ] as const) {
      const run = await fleet.run(args);
      expect(run.exitCode, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(/^tmuxorch: [^\n]+$/);
      expect(run.stderr).toContain(`see ${hint}`);
      expect(run.stderr).not.toMatch(/^error:/m);
    }
    const suggested = await fleet.run(['add-worker', '--type', 'shell', '--project', '.', '--nam', 'x']);
    expect(suggested.stderr).toContain('did you mean --name?');
  });
});
