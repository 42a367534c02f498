// The Task state machine, queue order and retry rule.
import { describe, expect, it } from 'vitest';
import {
  TASK_STATUSES,
  canTransitionTask,
  compareQueued,
  durationMs,
  isTerminal,
  mayRetry,
  newTask,
  nextQueuedTask,
  statusForExit,
  transitionTask,
  type Task,
  type TaskPriority,
  type TaskStatus,
} from '../../src/domain/task.js';

// A queued task as the domain builds it, with test-specific changes on top.
const task = (changes: Partial<Task> = {}): Task => ({
  ...newTask(
    't-1',
    { workerId: 'w-1', workerName: 'one', command: 'true' },
    0,
    new Date('2026-01-01T00:00:00.000Z'),
  ),
  ...changes,
});

const ALLOWED: ReadonlyArray<[TaskStatus, TaskStatus]> = [
  ['queued', 'running'],
  ['queued', 'cancelled'],
  ['queued', 'lost'],
  ['queued', 'denied'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'timed_out'],
  ['running', 'cancelled'],
  ['running', 'lost'],
  ['running', 'queued'],
  ['running', 'unsubmitted'],
];

describe('task state machine', () => {
  it.each(ALLOWED)('allows %s -> %s', (from, to) => {
    expect(canTransitionTask(from, to)).toBe(true);
    const next = transitionTask(task({ status: from }), to, { reason: 'why' });
    expect(next.status).toBe(to);
    expect(next.reason).toBe('why');
    expect(next.id).toBe('t-1');
  });

  it('forbids every other transition with INVALID_TRANSITION', () => {
    const allowed = new Set(ALLOWED.map(([a, b]) => `${a}>${b}`));
    let forbidden = 0;
    for (const from of TASK_STATUSES) {
      for (const to of TASK_STATUSES) {
        if (allowed.has(`${from}>${to}`)) continue;
        forbidden++;
        expect(canTransitionTask(from, to)).toBe(false);
        expect(() => transitionTask(task({ status: from }), to)).toThrow(
          expect.objectContaining({ code: 'INVALID_TRANSITION' }),
        );
      }
    }
    expect(forbidden).toBe(TASK_STATUSES.length ** 2 - ALLOWED.length);
  });

  it('never leaves a terminal status', () => {
    const terminal = TASK_STATUSES.filter(isTerminal);
    expect(terminal.sort()).toEqual([
      'cancelled',
      'denied',
      'failed',
      'lost',
      'succeeded',
      'timed_out',
      'unsubmitted',
    ]);
    for (const from of terminal)
      for (const to of TASK_STATUSES) expect(canTransitionTask(from, to)).toBe(false);
    expect(isTerminal('queued')).toBe(false);
    expect(isTerminal('running')).toBe(false);
  });

  it('maps exit codes to succeeded / failed', () => {
    expect(statusForExit(0)).toBe('succeeded');
    expect(statusForExit(1)).toBe('failed');
    expect(statusForExit(124)).toBe('failed');
  });

  it('computes the duration of a finished attempt only', () => {
    expect(durationMs(task())).toBeNull();
    expect(durationMs(task({ startedAt: '2026-01-01T00:00:00.000Z' }))).toBeNull();
    expect(
      durationMs(task({ startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.500Z' })),
    ).toBe(1500);
  });
});

describe('queue order', () => {
  const q = (id: string, priority: TaskPriority, seq: number, changes: Partial<Task> = {}): Task =>
    task({ id, priority, seq, ...changes });

  it('picks the highest priority first, then the oldest', () => {
    const tasks = [
      q('low', 'low', 0),
      q('normal-late', 'normal', 5),
      q('normal-early', 'normal', 2),
      q('high', 'high', 9),
      q('critical', 'critical', 10),
    ];
    const order: string[] = [];
    let rest = [...tasks];
    for (let next = nextQueuedTask(rest, 'w-1'); next; next = nextQueuedTask(rest, 'w-1')) {
      order.push(next.id);
      rest = rest.filter((t) => t !== next);
    }
    expect(order).toEqual(['critical', 'high', 'normal-early', 'normal-late', 'low']);
    expect([...tasks].sort(compareQueued).map((t) => t.id)).toEqual(order);
  });

  it('skips other workers and tasks that are not queued', () => {
    const tasks = [
      q('other-worker', 'critical', 0, { workerId: 'w-2' }),
      q('running', 'critical', 1, { status: 'running' }),
      q('done', 'critical', 2, { status: 'succeeded' }),
      q('mine', 'low', 3),
    ];
    expect(nextQueuedTask(tasks, 'w-1')?.id).toBe('mine');
    expect(nextQueuedTask(tasks, 'w-3')).toBeUndefined();
    expect(nextQueuedTask([], 'w-1')).toBeUndefined();
  });
});

describe('mayRetry', () => {
  it('allows maxRetries further attempts after the first', () => {
    expect(mayRetry({ attempts: 1, maxRetries: 0 })).toBe(false);
    expect(mayRetry({ attempts: 1, maxRetries: 1 })).toBe(true);
    expect(mayRetry({ attempts: 2, maxRetries: 1 })).toBe(false);
    expect(mayRetry({ attempts: 3, maxRetries: 3 })).toBe(true);
    expect(mayRetry({ attempts: 4, maxRetries: 3 })).toBe(false);
  });
});

describe('newTask', () => {
  it('builds a queued task with defaults and the given order', async () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const task = newTask('t-abcdef', { workerId: 'w-1', workerName: 'api', command: 'true' }, 7, now);
    expect(task).toMatchObject({
      id: 't-abcdef',
      status: 'queued',
      priority: 'normal',
      timeoutMs: null,
      maxRetries: 0,
      seq: 7,
      attempts: 0,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const urgent = newTask(
      't-2',
      { workerId: 'w-1', workerName: 'api', command: 'x', priority: 'critical', timeoutMs: 5, retries: 2 },
      8,
      now,
    );
    expect(urgent).toMatchObject({ priority: 'critical', timeoutMs: 5, maxRetries: 2 });
  });
});
