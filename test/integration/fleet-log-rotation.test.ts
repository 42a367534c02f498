// A worker's pane log is rotated between tasks once it outgrows maxLogBytes: one generation is
// kept as .1, and tasks after the rotation are collected from the fresh log as before.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { useTestFleets } from '../helpers/fleet.js';
import { waitFor } from '../helpers/wait-for.js';

const fleets = useTestFleets();

it('rotates a large worker log between tasks and keeps collecting output', async () => {
  const fleet = await fleets.open({ config: { maxLogBytes: 4096 } });
  const worker = await fleet.addShell('chatty');
  const log = join(fleet.home, 'logs', 'workers', `${worker.id}.log`);

  const big = await fleet.fleet.send({ worker: 'chatty', command: 'seq 1 3000' });
  const bigResult = await fleet.fleet.wait(big.id);
  expect(bigResult.status).toBe('succeeded');
  expect(bigResult.output?.trimEnd().split('\n').at(-1)).toBe('3000');

  // Rotation runs once the task is finished, before the worker takes its next task.
  const old = await waitFor(() => readFile(`${log}.1`, 'utf8'), { message: 'the log rotated' });
  expect(old).toContain('2999');

  for (const word of ['after-rotation-1', 'after-rotation-2']) {
    const task = await fleet.fleet.send({ worker: 'chatty', command: `echo ${word}` });
    const result = await fleet.fleet.wait(task.id);
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(result.output).toBe(`${word}\n`);
  }
  expect((await stat(log)).size).toBeLessThan(4096);
  expect(await readFile(log, 'utf8')).toContain('after-rotation-2');
});
