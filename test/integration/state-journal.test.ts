// The state journal: commits append only what changed, load replays them over the snapshot,
// a torn last line (crash mid-append) is dropped, a bad line elsewhere is STATE_CORRUPT, and a
// compaction folds everything into state.json and empties the journal.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { newTask, transitionTask } from '../../src/domain/task.js';
import { homePaths, type HomePaths } from '../../src/infrastructure/config/paths.js';
import { emptyState, type FleetState } from '../../src/infrastructure/state/state-schema.js';
import { StateStore } from '../../src/infrastructure/state/state-store.js';
import { createTmpHome, type TmpHome } from '../helpers/tmp-home.js';

let tmp: TmpHome;
let paths: HomePaths;
let store: StateStore;

beforeEach(async () => {
  tmp = await createTmpHome('tmuxorch-journal-');
  paths = homePaths(join(tmp.dir, 'home'));
  store = new StateStore(paths);
});

afterEach(async () => {
  await store.close();
  await tmp.remove();
});

const task = (id: string, seq: number) =>
  newTask(
    id,
    { workerId: 'w-1', workerName: 'api', command: `echo ${id}` },
    seq,
    new Date('2026-01-01T00:00:00Z'),
  );

const never = (): FleetState => {
  throw new Error('no compaction expected');
};

it('replays committed changes over the snapshot, last write wins', async () => {
  const a = task('t-aaaaaa', 0);
  await store.save({ ...emptyState('s'), tasks: [a], nextSeq: 1 });
  const b = task('t-bbbbbb', 1);
  await store.commit({ workers: [], deletedWorkers: [], tasks: [b], nextSeq: 2 }, never);
  const running = transitionTask(a, 'running', {
    attempts: 1,
    startedAt: '2026-01-01T00:00:01.000Z',
    logOffset: 10,
  });
  await store.commit({ workers: [], deletedWorkers: [], tasks: [running], nextSeq: 2 }, never);

  const loaded = await new StateStore(paths).load('s');
  expect(loaded.nextSeq).toBe(2);
  expect(loaded.tasks.map((t) => [t.id, t.status]).sort()).toEqual([
    ['t-aaaaaa', 'running'],
    ['t-bbbbbb', 'queued'],
  ]);
  // state.json itself was not rewritten by the commits.
  expect(await readFile(paths.stateFile, 'utf8')).not.toContain('t-bbbbbb');
});

it('drops a torn last line but refuses a bad line in the middle', async () => {
  await store.commit({ workers: [], deletedWorkers: [], tasks: [task('t-cccccc', 0)], nextSeq: 1 }, never);
  await appendFile(paths.stateJournal, '{"t":{"id":"t-torn'); // crash mid-append
  const loaded = await new StateStore(paths).load('s');
  expect(loaded.tasks.map((t) => t.id)).toEqual(['t-cccccc']);

  const good = await readFile(paths.stateJournal, 'utf8');
  const bad = `{"t":{"id":"t-broken"}}\n${good.split('\n')[0]}\n`;
  await writeFile(paths.stateJournal, bad);
  await expect(new StateStore(paths).load('s')).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
  expect(await readFile(paths.stateJournal, 'utf8')).toBe(bad);
});

it('compacts into state.json and empties the journal on save', async () => {
  await store.commit({ workers: [], deletedWorkers: [], tasks: [task('t-dddddd', 0)], nextSeq: 1 }, never);
  const loaded = await store.load('s');
  await store.save(loaded);
  expect(await readFile(paths.stateJournal, 'utf8')).toBe('');
  expect(JSON.parse(await readFile(paths.stateFile, 'utf8')).tasks[0].id).toBe('t-dddddd');
  expect((await new StateStore(paths).load('s')).tasks).toHaveLength(1);
});
