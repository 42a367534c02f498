// Bad input through the CLI: each mistake gets a stable error code and exit code, one sentence
// without a stack, and changes nothing (state.json byte-identical, no new worker or task).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  storedState,
  addShell,
  cleanupAndCheck,
  expectFailure,
  expectOk,
  readState,
  status,
  type StatusView,
} from './support.js';

describe('bad input with the daemon running', () => {
  let fleet: CliFleet;
  let project: string;
  let baseline: { state: string; status: StatusView };

  beforeAll(async () => {
    fleet = await createCliFleet();
    await expectOk(fleet, ['start']);
    await addShell(fleet, 'solo');
    project = await fleet.home.project('other');
    const done = await fleet.run(['send', 'solo', '--wait', '--', 'echo ready']);
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

  afterAll(async () => {
    await cleanupAndCheck(fleet);
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
});
