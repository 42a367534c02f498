// tmuxorch recover (the use case): a home whose state.json was replaced by an older backup under
// load and whose journal and snapshot have a scribbled line each. Recover keeps every intact
// record, collects the tasks that finished after the backup from the pane logs, and the fleet
// started on the result runs nothing twice and leaves nothing running.
import { copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { recoverHome } from '../../src/application/fleet/recover.js';
import type { TaskResult } from '../../src/application/contract/views.js';
import { openFleet } from '../../src/controller/composition-root.js';
import { TmuxServer } from '../../src/infrastructure/tmux/server.js';
import { TaskFiles } from '../../src/infrastructure/tasks/task-files.js';
import { useTestFleets } from '../helpers/fleet.js';
import { countLines } from '../helpers/count-lines.js';
import { waitFor } from '../helpers/wait-for.js';

const fleets = useTestFleets();

const runs = (file: string): Promise<number> => countLines(file);

// Replaces the line holding `needle` (a record of its own line) with garbage.
function scribble(text: string, needle: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  lines[i] = '{"t":{"id":"#### disk garbage';
  return lines.join('\n');
}

it('recovers a restored backup plus scribbled lines: every intact record kept, nothing run twice or left running', async () => {
  const fleet = await fleets.open();
  await Promise.all([fleet.addShell('rec-a'), fleet.addShell('rec-b')]);
  const side = await fleet.project('side');
  const { stateFile, stateBackup, stateJournal } = fleet.settings.paths;
  let n = 0;
  const batch = (count: number, sleep: string): Promise<TaskResult[]> =>
    Promise.all(
      Array.from({ length: count }, () => {
        const i = n++;
        const command = `${sleep}echo ran >> ${join(side, `t${i}`)}; echo out-${i}`;
        return fleet.fleet.send({ worker: i % 2 ? 'rec-a' : 'rec-b', command });
      }),
    );
  const first = await batch(10, '');
  for (const task of first) await fleet.fleet.wait(task.id);
  // The backup is taken while the second batch runs: its tasks are queued or running in it.
  const second = await batch(12, 'sleep 0.2; ');
  await waitFor(
    () => fleet.fleet.status({ withOutput: false }).then((s) => s.tasks.some((x) => x.status === 'running')),
    {
      message: 'a task of the second batch running',
    },
  );
  await fleet.fleet.rt.store.compact();
  const backupCopy = join(fleet.tmp.dir, 'backup.copy');
  await copyFile(stateFile, backupCopy);
  for (const task of second) await fleet.fleet.wait(task.id);
  await fleet.fleet.rt.store.compact();
  const third = await batch(6, '');
  for (const task of third) await fleet.fleet.wait(task.id);
  const journal = await waitFor(
    async () => {
      const text = await readFile(stateJournal, 'utf8');
      return third.every((x) => text.includes(`"id":"${x.id}","workerId"`) && text.split(x.id).length > 3)
        ? text
        : null;
    },
    { timeoutMs: 10_000, message: 'third batch journaled' },
  );
  await fleet.fleet.shutdown();
  // What the user had: the backup restored over state.json (with a line of it scribbled over),
  // the backup itself, and the journal with a line in its middle scribbled over.
  const backup = await readFile(backupCopy, 'utf8');
  await writeFile(stateFile, scribble(backup, `"id":"${first[3]?.id ?? ''}"`));
  await writeFile(stateBackup, backup);
  const journalLines = journal.split('\n').filter((l) => l !== '');
  const middle = Math.floor(journalLines.length / 2);
  journalLines[middle] = 'not json at all';
  await writeFile(stateJournal, `${journalLines.join('\n')}\n`);

  // The daemon refuses the journal and points at recover.
  await expect(openFleet({ settings: fleet.settings, env: fleet.env })).rejects.toMatchObject({
    code: 'STATE_CORRUPT',
    message: expect.stringContaining('tmuxorch recover') as unknown as string,
  });

  const report = await recoverHome(
    fleet.settings,
    new TmuxServer(fleet.tmux.exec),
    new TaskFiles(fleet.settings.paths),
  );
  expect(report.sources.state.skipped).toBe(1);
  expect(report.sources.journal.skipped).toBe(1);
  expect(report.sources.backup.skipped).toBe(0);
  expect(report.tasks).toBe(28);
  expect(report.workers).toBe(2);
  // Every second-batch task still open in the backup finished later: collected, not re-run.
  expect(report.collected.length).toBeGreaterThan(0);
  expect(report.deadWorkers).toEqual([]);
  const aside = (await readdir(join(stateFile, '..'))).filter((f) => /\.(corrupt|recovered)-/.test(f));
  expect(aside.some((f) => f.startsWith('state.json.corrupt-'))).toBe(true);
  expect(aside.some((f) => f.startsWith('state.journal.corrupt-'))).toBe(true);

  await fleet.reopen({ shutdownFirst: false });
  const all = [...first, ...second, ...third];
  for (const task of all) {
    const result = await fleet.fleet.wait(task.id);
    expect(result.status, `${task.id} ${result.reason ?? ''}`).toBe('succeeded');
    expect(result.output?.trim()).toBe(`out-${all.indexOf(task)}`);
  }
  const status = await fleet.fleet.status({ withOutput: false });
  expect(status.workers.map((w) => w.state).sort()).toEqual(['idle', 'idle']);
  for (let i = 0; i < all.length; i++) expect(await runs(join(side, `t${i}`)), `t${i}`).toBe(1);
}, 120_000);
