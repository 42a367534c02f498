// The run directory: attempts kept side by side, and <home>/runs pruned to the newest runs only.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  newRunId,
  pruneRuns,
  RUN_ID_PATTERN,
  RunDirectory,
} from '../../src/infrastructure/run/run-directory.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-rundir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('names runs so that they sort by time', () => {
  const early = newRunId(new Date('2026-11-23T08:42:49.123Z'), 'k3x9');
  const late = newRunId(new Date('2026-11-23T10:00:00.000Z'), 'aaaa');
  expect(early).toBe('20261123-084249-k3x9');
  expect(RUN_ID_PATTERN.test(early)).toBe(true);
  expect([late, early].sort()).toEqual([early, late]);
});

it("keeps each attempt's output: the last as <job>.log, earlier ones beside it", async () => {
  const run = await RunDirectory.create(join(dir, 'run'));
  await run.saveOutput('api', 1, 'first try\n');
  await run.saveOutput('api', 2, 'second try\n');
  await run.saveOutput('api', 3, 'third try\n');
  expect(await run.readOutput('api')).toBe('third try\n');
  expect(await readFile(join(dir, 'run', 'jobs', 'api.attempt-1.log'), 'utf8')).toBe('first try\n');
  expect(await readFile(join(dir, 'run', 'jobs', 'api.attempt-2.log'), 'utf8')).toBe('second try\n');
  expect(await RunDirectory.isUsed(join(dir, 'run'))).toBe(true);
  expect(await RunDirectory.isUsed(join(dir, 'elsewhere'))).toBe(false);
});

it('prunes the oldest finished runs beyond the limit and leaves anything not named like a run', async () => {
  const names = Array.from({ length: 53 }, (_, i) => `20260101-0000${String(i + 10)}-aaaa`);
  for (const name of names) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'report.json'), '{}');
  }
  await mkdir(join(dir, 'my-notes'));
  await writeFile(join(dir, '20260101-000000-file'), 'not a directory');
  const removed = await pruneRuns(dir, 50);
  expect(removed.map((d) => d.slice(dir.length + 1))).toEqual(names.slice(0, 3));
  const left = await readdir(dir);
  expect(left.filter((e) => RUN_ID_PATTERN.test(e)).sort()).toEqual([
    '20260101-000000-file',
    ...names.slice(3),
  ]);
  expect(left).toContain('my-notes');
});

it('keeps an old run without its report for a day: it may still be going', async () => {
  const names = ['20260101-000001-aaaa', '20260101-000002-aaaa', '20260101-000003-aaaa'];
  for (const name of names) await mkdir(join(dir, name));
  await writeFile(join(dir, names[1] ?? '', 'report.json'), '{}');
  // Now: the unfinished oldest stays, the finished second goes.
  expect((await pruneRuns(dir, 1)).map((d) => d.slice(dir.length + 1))).toEqual([names[1]]);
  // Two days later the unfinished one was surely killed: it goes too.
  const later = Date.now() + 2 * 24 * 3_600_000;
  expect((await pruneRuns(dir, 1, later)).map((d) => d.slice(dir.length + 1))).toEqual([names[0]]);
  expect((await readdir(dir)).sort()).toEqual([names[2]]);
});
