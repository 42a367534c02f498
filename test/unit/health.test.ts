// assessWorkers: one pane snapshot in, one verdict per supervised worker out.
import { describe, expect, it } from 'vitest';
import { AGENT_START_GRACE_MS, assessWorkers, type PaneSnapshot } from '../../src/domain/health.js';
import type { Worker, WorkerState } from '../../src/domain/worker.js';
import { workerRecord } from '../helpers/worker-record.js';

const worker = (id: string, state: WorkerState = 'idle', paneId: string | null = '%1'): Worker =>
  workerRecord({ id, name: id, project: '/srv', state, paneId });

const pane = (
  paneId: string,
  workerId: string | null,
  changes: Partial<PaneSnapshot> = {},
): PaneSnapshot => ({
  paneId,
  windowId: `@${paneId.slice(1)}`,
  sessionName: 'fleet',
  workerId,
  paneDead: false,
  paneDeadStatus: null,
  paneInMode: false,
  ...changes,
});

describe('assessWorkers', () => {
  it('finds a live worker on its own pane', () => {
    expect(assessWorkers([worker('w-a', 'idle', '%1')], [pane('%1', 'w-a')], 'fleet')).toEqual([
      { workerId: 'w-a', kind: 'alive', paneId: '%1', windowId: '@1', remapped: false },
    ]);
  });

  it('remaps a worker to the pane that carries its id (stale %N after a server restart)', () => {
    const verdicts = assessWorkers(
      [worker('w-a', 'idle', '%1'), worker('w-b', 'busy', '%2')],
      [pane('%7', 'w-b'), pane('%8', 'w-a'), pane('%1', null), pane('%2', null)],
      'fleet',
    );
    expect(verdicts).toEqual([
      { workerId: 'w-a', kind: 'alive', paneId: '%8', windowId: '@8', remapped: true },
      { workerId: 'w-b', kind: 'alive', paneId: '%7', windowId: '@7', remapped: true },
    ]);
  });

  it('judges a dead pane dead, with its exit status', () => {
    expect(
      assessWorkers([worker('w-a')], [pane('%1', 'w-a', { paneDead: true, paneDeadStatus: 3 })], 'fleet'),
    ).toEqual([{ workerId: 'w-a', kind: 'dead', paneId: '%1', reason: 'its program exited with status 3' }]);
    const [verdict] = assessWorkers([worker('w-a')], [pane('%1', 'w-a', { paneDead: true })], 'fleet');
    expect(verdict).toMatchObject({ kind: 'dead', paneId: '%1' });
  });

  it('judges a missing pane dead with no pane', () => {
    expect(assessWorkers([worker('w-a')], [pane('%1', 'w-other')], 'fleet')).toEqual([
      { workerId: 'w-a', kind: 'dead', paneId: null, reason: 'its pane is gone' },
    ]);
  });

  it('ignores panes of other sessions', () => {
    const [verdict] = assessWorkers(
      [worker('w-a')],
      [pane('%1', 'w-a', { sessionName: 'someone-else' })],
      'fleet',
    );
    expect(verdict).toMatchObject({ kind: 'dead', paneId: null });
  });

  it('prefers the live pane when two panes claim one worker', () => {
    const panes = [
      pane('%1', 'w-a', { paneDead: true, paneDeadStatus: 1 }),
      pane('%2', 'w-a'),
      pane('%3', 'w-a', { paneDead: true }),
    ];
    expect(assessWorkers([worker('w-a', 'idle', '%1')], panes, 'fleet')).toEqual([
      { workerId: 'w-a', kind: 'alive', paneId: '%2', windowId: '@2', remapped: true },
    ]);
    // Two live claims: the first one listed stays.
    const [verdict] = assessWorkers(
      [worker('w-a', 'idle', '%9')],
      [pane('%4', 'w-a'), pane('%5', 'w-a')],
      'fleet',
    );
    expect(verdict).toMatchObject({ kind: 'alive', paneId: '%4' });
  });

  it('skips workers that are stopped, failed, dead or reviving', () => {
    const workers = (['stopped', 'failed', 'dead', 'reviving', 'starting', 'busy'] as const).map((s) =>
      worker(`w-${s}`, s),
    );
    const verdicts = assessWorkers(workers, [], 'fleet');
    expect(verdicts.map((v) => v.workerId)).toEqual(['w-starting', 'w-busy']);
    expect(verdicts.every((v) => v.kind === 'dead')).toBe(true);
  });

  describe('an interactive agent worker back at its shell', () => {
    const started = Date.parse('2026-01-01T00:00:00.000Z');
    const interactive = (state: WorkerState = 'idle'): Worker => ({
      ...worker('w-1', state),
      mode: 'interactive',
      startedAt: new Date(started).toISOString(),
    });
    const later = started + AGENT_START_GRACE_MS + 1;
    // One sweep over the worker in pane %1, whose foreground program is `command`.
    const sweep = (w: Worker, command: string, now = later) =>
      assessWorkers([w], [pane('%1', 'w-1', { paneCurrentCommand: command })], 'fleet', now);

    it('is dead once its TUI has had time to start: the agent exited', () => {
      const verdicts = sweep(interactive(), 'bash');
      expect(verdicts).toEqual([
        {
          workerId: 'w-1',
          kind: 'dead',
          paneId: '%1',
          reason: 'its agent exited (the pane is back at its shell)',
        },
      ]);
    });

    it('is alive while its TUI runs, while it is starting, or while a turn is in hand', () => {
      const running = sweep(interactive(), 'node');
      expect(running[0]?.kind).toBe('alive');
      const starting = sweep(interactive(), 'bash', started + 1_000);
      expect(starting[0]?.kind).toBe('alive');
      const busy = sweep(interactive('busy'), 'bash');
      expect(busy[0]?.kind).toBe('alive');
    });

    it('never judges a one-shot or shell worker by its shell', () => {
      const verdicts = sweep(worker('w-1'), 'bash');
      expect(verdicts[0]?.kind).toBe('alive');
    });
  });
});
