// The Worker state machine and its small rules.
import { describe, expect, it } from 'vitest';
import {
  WORKER_NAME_PATTERN,
  WORKER_STATES,
  canTransitionWorker,
  isDispatchable,
  isSupervised,
  transitionWorker,
  type WorkerState,
} from '../../src/domain/worker.js';
import { workerRecord } from '../helpers/worker-record.js';

const ALLOWED: ReadonlyArray<[WorkerState, WorkerState]> = [
  ['starting', 'idle'],
  ['starting', 'dead'],
  ['starting', 'stopped'],
  ['starting', 'failed'],
  ['idle', 'busy'],
  ['idle', 'dead'],
  ['idle', 'stopped'],
  ['idle', 'starting'],
  ['busy', 'idle'],
  ['busy', 'dead'],
  ['busy', 'stopped'],
  ['dead', 'reviving'],
  ['dead', 'failed'],
  ['dead', 'stopped'],
  ['reviving', 'starting'],
  ['reviving', 'dead'],
  ['reviving', 'failed'],
  ['reviving', 'stopped'],
  ['failed', 'reviving'],
  ['failed', 'stopped'],
];

describe('worker state machine', () => {
  it.each(ALLOWED)('allows %s -> %s', (from, to) => {
    expect(canTransitionWorker(from, to)).toBe(true);
    const next = transitionWorker(workerRecord({ state: from }), to, { lastError: 'x', restarts: 2 });
    expect(next).toMatchObject({ state: to, lastError: 'x', restarts: 2, id: 'w-1' });
  });

  it('forbids every other transition with INVALID_TRANSITION', () => {
    const allowed = new Set(ALLOWED.map(([a, b]) => `${a}>${b}`));
    let forbidden = 0;
    for (const from of WORKER_STATES) {
      for (const to of WORKER_STATES) {
        if (allowed.has(`${from}>${to}`)) continue;
        forbidden++;
        expect(canTransitionWorker(from, to)).toBe(false);
        expect(() => transitionWorker(workerRecord({ state: from }), to)).toThrow(
          expect.objectContaining({ code: 'INVALID_TRANSITION', details: { workerId: 'w-1', from, to } }),
        );
      }
    }
    expect(forbidden).toBe(WORKER_STATES.length ** 2 - ALLOWED.length);
  });

  it('some transitions that must never happen', () => {
    // A busy worker is never handed a second task, a dead one never takes work without a revive.
    expect(canTransitionWorker('busy', 'busy')).toBe(false);
    expect(canTransitionWorker('dead', 'idle')).toBe(false);
    expect(canTransitionWorker('failed', 'idle')).toBe(false);
    expect(canTransitionWorker('stopped', 'starting')).toBe(false);
    expect(canTransitionWorker('reviving', 'idle')).toBe(false);
  });

  it('dispatches only to an idle worker with a pane', () => {
    expect(isDispatchable(workerRecord())).toBe(true);
    expect(isDispatchable(workerRecord({ paneId: null }))).toBe(false);
    for (const state of WORKER_STATES.filter((s) => s !== 'idle'))
      expect(isDispatchable(workerRecord({ state }))).toBe(false);
  });

  it('supervises every worker but stopped and failed ones', () => {
    expect(WORKER_STATES.filter((state) => isSupervised({ state }))).toEqual([
      'starting',
      'idle',
      'busy',
      'dead',
      'reviving',
    ]);
  });

  it('accepts plain worker names only', () => {
    for (const ok of ['api', 'shell-api', 'a.b_c-1', 'A'.repeat(48)])
      expect(WORKER_NAME_PATTERN.test(ok)).toBe(true);
    for (const bad of ['', '-lead', '.hidden', 'has space', 'semi;colon', 'a/b', 'A'.repeat(49), 'ünï']) {
      expect(WORKER_NAME_PATTERN.test(bad)).toBe(false);
    }
  });
});
