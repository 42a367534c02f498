// The controller's in-memory fleet (workers and tasks) and its persistence.
//
// Writes are group-committed: every caller of flush() waits for a write that started after its
// change, but changes made while a write is in flight share the next one; and a write carries
// only the workers and tasks that changed (the state store journals them). So a task is on disk
// as `running` before its command is typed (a crash cannot run it twice) at ~1 ms a commit.
import { EventEmitter } from 'node:events';
import { TaskNotFoundError, WorkerNotFoundError } from '../../domain/errors.js';
import { isTerminal, type Task } from '../../domain/task.js';
import type { Worker } from '../../domain/worker.js';
import type { StateChanges } from '../../infrastructure/state/state-journal.js';
import type { FleetState } from '../../infrastructure/state/state-schema.js';
import { STATE_VERSION } from '../../infrastructure/state/state-schema.js';

export interface StatePersistence {
  // Makes the changes durable; `snapshot` gives the whole state if the store wants to compact.
  commit(changes: StateChanges, snapshot: () => FleetState): Promise<void>;
  // Writes the whole state (a compaction).
  save(state: FleetState): Promise<void>;
  close(): Promise<void>;
}

export interface FleetStoreEvents {
  change: [];
  // One worker or task changed: what it was (undefined: new) and what it is (undefined: deleted).
  // Emitted synchronously by putWorker/deleteWorker/putTask, O(1) each (events, metrics).
  worker: [previous: Worker | undefined, next: Worker | undefined];
  task: [previous: Task | undefined, next: Task];
  error: [unknown];
}

export class FleetStore extends EventEmitter<FleetStoreEvents> {
  private readonly workersById = new Map<string, Worker>();
  private readonly tasksById = new Map<string, Task>();
  // Queued tasks per worker: a dispatch looks at its worker's queue, not at the whole history.
  private readonly queuedByWorker = new Map<string, Map<string, Task>>();
  private seq: number;
  private dirty = false;
  private writing: Promise<void> | null = null;
  private readonly changedWorkers = new Set<string>();
  private readonly deletedWorkers = new Set<string>();
  private readonly changedTasks = new Set<string>();

  constructor(
    private readonly persistence: StatePersistence,
    readonly session: string,
    initial: FleetState,
    private readonly keepFinishedTasks = 1_000,
  ) {
    super();
    for (const worker of initial.workers) this.workersById.set(worker.id, worker);
    for (const task of initial.tasks) {
      this.tasksById.set(task.id, task);
      this.indexQueued(task);
    }
    this.seq = initial.nextSeq;
  }

  workers(): Worker[] {
    return [...this.workersById.values()];
  }

  tasks(): Task[] {
    return [...this.tasksById.values()];
  }

  // The tasks without copying them (hot paths that only scan).
  taskValues(): IterableIterator<Task> {
    return this.tasksById.values();
  }

  // The task a worker is running, if any (one at a time per worker).
  runningTaskOf(workerId: string): Task | undefined {
    for (const task of this.tasksById.values()) {
      if (task.workerId === workerId && task.status === 'running') return task;
    }
    return undefined;
  }

  // The queued tasks of a worker, in no particular order.
  queuedTasksOf(workerId: string): IterableIterator<Task> {
    return (this.queuedByWorker.get(workerId) ?? new Map<string, Task>()).values();
  }

  worker(id: string): Worker | undefined {
    return this.workersById.get(id);
  }

  // Finds a worker by id or by name.
  findWorker(idOrName: string): Worker | undefined {
    const byId = this.workersById.get(idOrName);
    if (byId) return byId;
    for (const worker of this.workersById.values()) if (worker.name === idOrName) return worker;
    return undefined;
  }

  requireWorker(idOrName: string): Worker {
    const worker = this.findWorker(idOrName);
    if (!worker) {
      throw new WorkerNotFoundError(`no worker named "${idOrName}": run tmuxorch list to see the workers`, {
        worker: idOrName,
      });
    }
    return worker;
  }

  task(id: string): Task | undefined {
    return this.tasksById.get(id);
  }

  requireTask(id: string): Task {
    const task = this.tasksById.get(id);
    if (!task)
      throw new TaskNotFoundError(`no task with id "${id}": run tmuxorch status to see recent tasks`, {
        task: id,
      });
    return task;
  }

  putWorker(worker: Worker): Worker {
    const previous = this.workersById.get(worker.id);
    this.workersById.set(worker.id, worker);
    this.changedWorkers.add(worker.id);
    this.deletedWorkers.delete(worker.id);
    this.changed();
    this.emit('worker', previous, worker);
    return worker;
  }

  deleteWorker(id: string): void {
    const previous = this.workersById.get(id);
    this.workersById.delete(id);
    this.changedWorkers.delete(id);
    this.deletedWorkers.add(id);
    this.changed();
    if (previous) this.emit('worker', previous, undefined);
  }

  putTask(task: Task): Task {
    const previous = this.tasksById.get(task.id);
    if (previous) this.unindexQueued(previous);
    this.tasksById.set(task.id, task);
    this.indexQueued(task);
    this.changedTasks.add(task.id);
    this.changed();
    this.emit('task', previous, task);
    return task;
  }

  nextSeq(): number {
    return this.seq++;
  }

  snapshot(): FleetState {
    this.prune();
    return {
      version: STATE_VERSION,
      session: this.session,
      nextSeq: this.seq,
      workers: this.workers(),
      tasks: this.tasks(),
    };
  }

  // Resolves once every change made before the call is on disk.
  async flush(): Promise<void> {
    // A write in flight may hold this caller's change: wait for it, then write what is left.
    while (this.writing) await this.writing;
    if (!this.dirty) return;
    this.writing = this.writeLoop();
    try {
      await this.writing;
    } finally {
      this.writing = null;
    }
  }

  // Writes soon without waiting (changes that need no crash guarantee, e.g. a finished task).
  flushSoon(): void {
    void this.flush().catch((error: unknown) => this.emit('error', error));
  }

  // Writes the whole state now (after start-up recovery, at shutdown): state.json is then complete.
  async compact(): Promise<void> {
    await this.flush();
    await this.persistence.save(this.snapshot());
  }

  async close(): Promise<void> {
    await this.persistence.close();
  }

  private async writeLoop(): Promise<void> {
    // One turn of the event loop first: changes made by the callbacks already due (other workers'
    // dispatches and finishes) join this write instead of each costing an append of its own.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.dirty) {
      this.dirty = false;
      await this.persistence.commit(this.takeChanges(), () => this.snapshot());
    }
  }

  private takeChanges(): StateChanges {
    const pick = <T>(ids: Set<string>, from: Map<string, T>): T[] => {
      const items: T[] = [];
      for (const id of ids) {
        const item = from.get(id);
        if (item) items.push(item);
      }
      ids.clear();
      return items;
    };
    const deletedWorkers = [...this.deletedWorkers];
    this.deletedWorkers.clear();
    return {
      workers: pick(this.changedWorkers, this.workersById),
      deletedWorkers,
      tasks: pick(this.changedTasks, this.tasksById),
      nextSeq: this.seq,
    };
  }

  private indexQueued(task: Task): void {
    if (task.status !== 'queued') return;
    let queue = this.queuedByWorker.get(task.workerId);
    if (!queue) this.queuedByWorker.set(task.workerId, (queue = new Map()));
    queue.set(task.id, task);
  }

  private unindexQueued(task: Task): void {
    const queue = this.queuedByWorker.get(task.workerId);
    if (!queue?.delete(task.id) || queue.size > 0) return;
    this.queuedByWorker.delete(task.workerId);
  }

  private changed(): void {
    this.dirty = true;
    this.emit('change');
  }

  // Keeps the newest finished tasks only; queued and running ones are never dropped. Pruned in
  // batches (10% slack) so a busy fleet does not sort its history on every save.
  private prune(): void {
    if (this.tasksById.size <= this.keepFinishedTasks * 1.1 + 10) return;
    const finished = this.tasks().filter((t) => isTerminal(t.status));
    const excess = finished.length - this.keepFinishedTasks;
    if (excess <= 0) return;
    finished.sort((a, b) => a.seq - b.seq);
    for (const task of finished.slice(0, excess)) this.tasksById.delete(task.id);
  }
}
