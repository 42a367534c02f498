// A burst of instant tasks: a task can end before its own dispatch has returned, and the queue
// must keep moving (a lost wake-up once left every worker idle with hundreds of tasks queued).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestFleet, type TestFleet } from '../helpers/fleet.js';

let t: TestFleet;

beforeAll(async () => {
  t = await openTestFleet();
  await Promise.all([t.addShell('burst-a'), t.addShell('burst-b')]);
});

afterAll(async () => {
  await t.cleanup();
});

it('runs 400 instant tasks sent at once, in order per worker, none left queued', async () => {
  const sent = await Promise.all(
    Array.from({ length: 400 }, (_, i) =>
      t.fleet.send({ worker: i % 2 ? 'burst-a' : 'burst-b', command: 'true' }),
    ),
  );
  const results = await Promise.all(sent.map((task) => t.fleet.wait(task.id)));
  expect(results.every((r) => r.status === 'succeeded' && r.exitCode === 0)).toBe(true);
  for (const name of ['burst-a', 'burst-b']) {
    const mine = results.filter((r) => r.worker === name).map((r) => Date.parse(r.startedAt ?? ''));
    expect(mine).toEqual([...mine].sort((a, b) => a - b));
  }
}, 120_000);
