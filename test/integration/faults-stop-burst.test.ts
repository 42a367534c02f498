// Stopping the controller in the middle of a burst, again and again: no task is typed twice, none
// is recorded finished without its output, none is lost. Each task appends to a file of its own.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TaskResult } from '../../src/application/contract/views.js';
import { openTestFleet, type TestFleet } from '../helpers/fleet.js';
import { countLines } from '../helpers/count-lines.js';
import { waitFor } from '../helpers/wait-for.js';

let t: TestFleet;

beforeAll(async () => {
  t = await openTestFleet();
  await Promise.all([t.addShell('stop-a'), t.addShell('stop-b'), t.addShell('stop-c')]);
});

afterAll(async () => {
  await t.cleanup();
});

const runs = (file: string): Promise<number> => countLines(file);

it('stop + start during bursts: every task runs exactly once and keeps its output', async () => {
  const side = await t.project('side');
  const sent: { task: TaskResult; index: number }[] = [];
  const workers = ['stop-a', 'stop-b', 'stop-c'];
  let n = 0;
  for (let round = 0; round < 16; round++) {
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => {
        const index = n++;
        const command = `echo ran >> ${join(side, `t${index}`)}; echo out-${index}`;
        return t.fleet
          .send({ worker: workers[index % 3] ?? 'stop-a', command })
          .then((task) => ({ task, index }));
      }),
    );
    sent.push(...burst);
    // Stop once some of the burst has run and some has not.
    await waitFor(
      async () => {
        const s = await t.fleet.status({ withOutput: false });
        return s.tasks.filter((x) => x.status === 'succeeded').length > 0;
      },
      { message: 'part of the burst done', intervalMs: 5 },
    );
    await t.reopen();
  }
  for (const { task, index } of sent) {
    const result = await t.fleet.wait(task.id);
    expect(result.status, `${task.id}: ${result.reason ?? ''}`).toBe('succeeded');
    expect(result.output?.trim(), task.id).toBe(`out-${index}`);
  }
  for (const { index } of sent) expect(await runs(join(side, `t${index}`)), `t${index}`).toBe(1);
}, 240_000);
