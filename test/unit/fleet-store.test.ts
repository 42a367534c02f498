// FleetStore's queue index: a dispatch reads its worker's queued tasks, so the index must follow
// every status change and start from the loaded state.
import { describe, expect, it } from 'vitest';
import { FleetStore, type StatePersistence } from '../../src/application/fleet/fleet-store.js';
import { newTask, transitionTask, type Task } from '../../src/domain/task.js';

const persistence: StatePersistence = {
  commit: () => Promise.resolve(),
  save: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

function task(id: string, workerId: string, seq: number): Task {
  return newTask(id, { workerId, workerName: workerId, command: 'true' }, seq, new Date(0));
}

const ids = (tasks: Iterable<Task>): string[] => [...tasks].map((t) => t.id).sort();

describe('FleetStore.queuedTasksOf', () => {
  it('indexes the loaded queued tasks per worker', () => {
    const done = transitionTask(transitionTask(task('t-c', 'w1', 3), 'running', {}), 'succeeded', {});
    const store = new FleetStore(persistence, 's', {
      version: 1,
      session: 's',
      nextSeq: 4,
      workers: [],
      tasks: [task('t-a', 'w1', 1), task('t-b', 'w2', 2), done],
    });
    expect(ids(store.queuedTasksOf('w1'))).toEqual(['t-a']);
    expect(ids(store.queuedTasksOf('w2'))).toEqual(['t-b']);
    expect(ids(store.queuedTasksOf('nobody'))).toEqual([]);
  });

  it('follows a task out of the queue and back into it', () => {
    const store = new FleetStore(persistence, 's', {
      version: 1,
      session: 's',
      nextSeq: 1,
      workers: [],
      tasks: [],
    });
    const queued = store.putTask(task('t-a', 'w1', 1));
    store.putTask(task('t-b', 'w1', 2));
    expect(ids(store.queuedTasksOf('w1'))).toEqual(['t-a', 't-b']);
    const running = store.putTask(transitionTask(queued, 'running', { attempts: 1 }));
    expect(ids(store.queuedTasksOf('w1'))).toEqual(['t-b']);
    store.putTask(transitionTask(running, 'queued', {}));
    expect(ids(store.queuedTasksOf('w1'))).toEqual(['t-a', 't-b']);
  });
});
