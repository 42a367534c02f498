// state/state.json on a real file system: round trip, atomic writes, backup, refusal of bad files.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task } from '../../src/domain/task.js';
import { NO_AGENT_STATE, type Worker } from '../../src/domain/worker.js';
import { homePaths, type HomePaths } from '../../src/infrastructure/config/paths.js';
import { STATE_VERSION, emptyState, type FleetState } from '../../src/infrastructure/state/state-schema.js';
import { StateStore } from '../../src/infrastructure/state/state-store.js';
import { createTmpHome, type TmpHome } from '../helpers/tmp-home.js';

const worker: Worker = {
  id: 'w-abc',
  name: 'api',
  type: 'shell',
  project: '/srv/api',
  env: { REGION: 'eu-1' },
  secretEnv: ['MY_API_KEY'],
  state: 'idle',
  paneId: '%3',
  windowId: '@2',
  restarts: 1,
  restartHistory: [1_700_000_000_000],
  lastError: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:01.000Z',
  ...NO_AGENT_STATE,
};

const task: Task = {
  id: 't-abc',
  workerId: 'w-abc',
  workerName: 'api',
  command: "echo 'ünï' ; exit 3",
  priority: 'high',
  timeoutMs: 5_000,
  maxRetries: 1,
  seq: 7,
  createdAt: '2026-01-01T00:00:02.000Z',
  status: 'running',
  attempts: 1,
  startedAt: '2026-01-01T00:00:03.000Z',
  finishedAt: null,
  exitCode: null,
  logOffset: 1234,
  reason: null,
  prompt: null,
  agent: null,
};

const stateWith = (nextSeq: number): FleetState => ({
  version: STATE_VERSION,
  session: 'agent-system',
  nextSeq,
  workers: [worker],
  tasks: [task],
});

describe('StateStore', () => {
  let tmp: TmpHome;
  let paths: HomePaths;
  let store: StateStore;

  beforeEach(async () => {
    tmp = await createTmpHome('tmuxorch-state-');
    paths = homePaths(tmp.dir);
    store = new StateStore(paths);
  });

  afterEach(async () => {
    await tmp.remove();
  });

  const codeOf = async (promise: Promise<unknown>): Promise<string | undefined> => {
    try {
      await promise;
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return undefined;
  };

  const writeState = async (text: string): Promise<void> => {
    await mkdir(paths.stateDir, { recursive: true });
    await writeFile(paths.stateFile, text);
  };

  it('loads an empty fleet when there is no file', async () => {
    expect(await store.load('agent-system')).toEqual(emptyState('agent-system'));
  });

  it('round-trips a saved state', async () => {
    await store.save(stateWith(8));
    expect(await store.load('agent-system')).toEqual(stateWith(8));
  });

  it('writes atomically: no temp files left, a concurrent reader never sees partial JSON', async () => {
    await store.save(stateWith(0));
    let saving = true;
    let reads = 0;
    const seen = new Set<number>();
    const reader = (async () => {
      while (saving) {
        const text = await readFile(paths.stateFile, 'utf8');
        seen.add((JSON.parse(text) as FleetState).nextSeq);
        reads++;
      }
    })();
    try {
      for (let i = 1; i <= 200; i++) await store.save(stateWith(i));
    } finally {
      saving = false;
    }
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThan(1);
    expect((await store.load('agent-system')).nextSeq).toBe(200);
    expect((await readdir(paths.stateDir)).sort()).toEqual(['state.journal', 'state.json', 'state.json.bak']);
  });

  it('keeps the previous version as the backup', async () => {
    await store.save(stateWith(1));
    await store.save(stateWith(2));
    expect(store.parse(await readFile(paths.stateBackup, 'utf8')).nextSeq).toBe(1);
    expect((await store.load('agent-system')).nextSeq).toBe(2);
  });

  it('refuses corrupt JSON with STATE_CORRUPT and leaves the file untouched', async () => {
    const text = '{"version": 1, "session": "agent-sys';
    await writeState(text);
    expect(await codeOf(store.load('agent-system'))).toBe('STATE_CORRUPT');
    expect(await readFile(paths.stateFile, 'utf8')).toBe(text);
  });

  it('refuses a schema-invalid file with STATE_CORRUPT naming the field', async () => {
    const bad = { ...stateWith(1), workers: [{ ...worker, state: 'zombie' }] };
    const text = JSON.stringify(bad);
    await writeState(text);
    const error = await store.load('agent-system').then(
      () => null,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error?.code).toBe('STATE_CORRUPT');
    expect(error?.message).toContain('workers.0.state');
    expect(await readFile(paths.stateFile, 'utf8')).toBe(text);
  });

  it('refuses a file from a newer version with STATE_CORRUPT', async () => {
    await writeState(JSON.stringify({ ...stateWith(1), version: 99 }));
    const error = await store.load('agent-system').then(
      () => null,
      (e: unknown) => e as { code: string; details: Record<string, unknown> },
    );
    expect(error?.code).toBe('STATE_CORRUPT');
    expect(error?.details.version).toBe(99);
  });
});
