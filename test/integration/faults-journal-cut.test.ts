// A journal cut after complete records (a crash that loses the last lines): a task the state then
// shows queued or running, whose markers are in its worker's log, is collected from the log with
// its exit code and output, never typed again.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { useTestFleets } from '../helpers/fleet.js';
import { countLines } from '../helpers/count-lines.js';
import { waitFor } from '../helpers/wait-for.js';

const fleets = useTestFleets();

const runs = (file: string): Promise<number> => countLines(file);

it('a finished task whose last journal lines were cut is collected from the log, not run again', async () => {
  const fleet = await fleets.open();
  await fleet.addShell('cut');
  const dir = await fleet.project('side');
  const tasks = await Promise.all(
    [0, 1, 2].map((i) =>
      fleet.fleet.send({
        worker: 'cut',
        command: `echo ran >> ${join(dir, `t${i}`)}; echo out-${i}; exit ${i}`,
      }),
    ),
  );
  for (const task of tasks) await fleet.fleet.wait(task.id);
  const { stateFile, stateJournal } = fleet.settings.paths;
  // Every finish is in the journal (finishes are written soon, not at once).
  const journal = await waitFor(
    async () => {
      const text = await readFile(stateJournal, 'utf8');
      const lines = text.split('\n');
      const finished = (id: string): boolean =>
        lines.some((l) => l.includes(`"id":"${id}"`) && /"status":"(succeeded|failed)"/.test(l));
      return tasks.every((task) => finished(task.id)) ? text : null;
    },
    { timeoutMs: 10_000, message: 'finishes journaled' },
  );
  const snapshot = join(fleet.tmp.dir, 'state.copy');
  await copyFile(stateFile, snapshot);
  await fleet.fleet.shutdown();
  // The crash: the snapshot of then, the journal without every line after the first task's
  // `queued` record for the last two tasks (their dispatch and finish were never recorded), and
  // without the first task's finish (its dispatch was).
  const [first, second, third] = tasks.map((task) => task.id);
  const kept = journal.split('\n').filter((line) => {
    if (line.includes(`"id":"${first}"`)) return !/"status":"(succeeded|failed)"/.test(line);
    if (line.includes(`"id":"${second}"`) || line.includes(`"id":"${third}"`))
      return line.includes('"status":"queued"');
    return true;
  });
  await copyFile(snapshot, stateFile);
  await writeFile(stateJournal, kept.join('\n'));
  const state = await readFile(stateJournal, 'utf8');
  expect(state).not.toMatch(new RegExp(`"id":"${second}"[^\\n]*"status":"running"`));
  await fleet.reopen({ shutdownFirst: false });
  for (const [i, task] of tasks.entries()) {
    const result = await fleet.fleet.wait(task.id);
    expect(result.status).toBe(i === 0 ? 'succeeded' : 'failed');
    expect(result.exitCode).toBe(i);
    expect(result.output?.trim()).toBe(`out-${i}`);
  }
  await fleet.waitIdle('cut');
  // One more task: the worker works, and nothing was typed twice.
  const after = await fleet.fleet.send({ worker: 'cut', command: 'echo after' });
  expect((await fleet.fleet.wait(after.id)).status).toBe('succeeded');
  for (const i of [0, 1, 2]) expect(await runs(join(dir, `t${i}`))).toBe(1);
}, 60_000);
