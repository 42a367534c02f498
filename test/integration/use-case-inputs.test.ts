// Inputs are checked in the use cases, not only at the socket: through the TypeScript API
// (Fleet.ephemeral, no socket in between) a bad value is a USAGE error that stores nothing, and
// the home opens again afterwards (a state file tmuxorch wrote can always be read back).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Fleet } from '../../src/controller/fleet.js';
import { TmuxorchError } from '../../src/domain/errors.js';
import { ephemeralFleetEnv } from '../helpers/tmux-server.js';
import { useTestCleanups } from '../helpers/test-cleanups.js';

const cleanups = useTestCleanups();

async function usageError(promise: Promise<unknown>): Promise<TmuxorchError> {
  const error: unknown = await promise.then(
    () => new Error('expected a USAGE error, the call succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TmuxorchError);
  expect((error as TmuxorchError).code).toBe('USAGE');
  return error as TmuxorchError;
}

describe('use cases check their input, whoever calls', () => {
  it('refuses bad values through the API, stores nothing, and the home opens again', async () => {
    const { tmp, tmux } = await cleanups.tmpWithTmux('tmuxorch-inputs-');
    const project = join(tmp.dir, 'project');
    await mkdir(project);
    const stateHome = join(tmp.dir, 'state-home');
    const options = {
      home: join(tmp.dir, 'home'),
      socket: tmux.name,
      session: `inputs-${tmux.name.slice(-8)}`,
      env: ephemeralFleetEnv(),
      stateHome,
    };
    const fleet = await Fleet.ephemeral(options);
    let open = true;
    cleanups.push(() => (open ? fleet.close() : Promise.resolve()));
    const worker = await fleet.spawnWorker({ type: 'shell', project, name: 'w' });

    // A fractional timeout once reached state.json and made the next open fail STATE_CORRUPT;
    // 2^32 ms fired after 5 ms with a TimeoutOverflowWarning.
    const fractional = await usageError(fleet.sendTask({ worker: 'w', command: 'true', timeoutMs: 30000.5 }));
    expect(fractional.message).toMatch(/timeoutMs/);
    await usageError(fleet.sendTask({ worker: 'w', command: 'true', timeoutMs: 2 ** 32 }));
    await usageError(fleet.sendTask({ worker: 'w', command: 'true', retries: -1 }));
    await usageError(fleet.sendTask({ worker: 'w', command: 'true', priority: 'urgent' as never }));
    await usageError(fleet.sendTask({ worker: '', command: 'true' }));
    await usageError(fleet.spawnWorker({ type: 'Shell!' as never, project }));
    await usageError(fleet.spawnWorker({ type: 'shell', project, name: '' }));
    await usageError(fleet.spawnWorker({ type: 'shell', project, env: { 'BAD NAME': 'x' } }));
    await usageError(fleet.spawnWorker({ type: 'shell', project, env: { OK: 'two\nlines' } }));
    await usageError(fleet.waitTask(''));

    const status = await fleet.status();
    expect(status.tasks).toEqual([]);
    expect(status.workers.map((w) => w.id)).toEqual([worker.id]);

    // A good task still runs, and the state written so far reads back.
    const sent = await fleet.sendTask({ worker: 'w', command: 'echo fine', timeoutMs: 30_000 });
    expect((await fleet.waitTask(sent.id)).status).toBe('succeeded');
    await fleet.close({ keepWorkers: false });
    open = false;
    const again = await Fleet.ephemeral(options);
    cleanups.push(() => again.close());
    const tasks = (await again.status()).tasks;
    expect(tasks.map((t) => [t.id, t.status])).toEqual([[sent.id, 'succeeded']]);
  });
});
