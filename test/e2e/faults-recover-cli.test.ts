// tmuxorch recover from the CLI: STATE_CORRUPT points at it, it refuses while a daemon runs for
// the home, it repairs a scribbled journal (keeping its other lines) and says what it did.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { RecoverReport } from '../../src/application/fleet/recover.js';
import { addShell, expectOk, runJson, stateDir } from './support.js';
import { sendTask, waitResult } from './task-commands.js';
import { useFreshCliFleets } from './cli-fleets.js';

const fleets = useFreshCliFleets();

it('refuses with a daemon running, then repairs a journal with a bad middle line', async () => {
  const f = await fleets.create();
  await expectOk(f, ['start']);
  await addShell(f, 'r1');
  const tasks: string[] = [];
  for (let i = 0; i < 4; i++) tasks.push(await sendTask(f, 'r1', `echo out-${i}`));
  for (const task of tasks) expect((await waitResult(f, task)).result.status).toBe('succeeded');

  const refused = await runJson<{ error: { code: string; message: string } }>(f, ['recover']);
  expect(refused.exitCode).toBe(2);
  expect(refused.body.error.message).toMatch(/daemon is running .*tmuxorch stop/);

  // Kill the daemon outright (no final snapshot): the journal holds every task.
  const pid = await f.daemonPid();
  if (pid === null) throw new Error('no daemon pid');
  process.kill(pid, 'SIGKILL');
  const journalFile = join(stateDir(f), 'state.journal');
  const lines = (await readFile(journalFile, 'utf8')).split('\n').filter((l) => l !== '');
  const victim = lines.findIndex((l) => l.includes(`"id":"${tasks[1] ?? ''}"`));
  lines[victim] = '{"t": scribbled';
  await writeFile(journalFile, `${lines.join('\n')}\n`);

  const start = await runJson<{ error: { code: string; message: string } }>(f, ['start']);
  expect(start.body.error.code).toBe('STATE_CORRUPT');
  expect(start.body.error.message).toContain('tmuxorch recover');

  const { exitCode, body } = await runJson<RecoverReport>(f, ['recover']);
  expect(exitCode).toBe(0);
  expect(body.sources.journal.skipped).toBe(1);
  expect(body.sources.journal.records).toBe(lines.length - 1);
  expect(body.tasks).toBe(4);
  const plain = await f.run(['recover']);
  expect(plain.exitCode).toBe(0);
  expect(plain.stdout).toMatch(/recovered .*1 workers, 4 tasks/);
  const kept = await readdir(stateDir(f));
  expect(kept.some((name) => name.startsWith('state.journal.corrupt-'))).toBe(true);

  await expectOk(f, ['start']);
  for (const task of tasks) expect((await waitResult(f, task)).result.status).toBe('succeeded');
}, 90_000);
