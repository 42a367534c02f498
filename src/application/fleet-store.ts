// The controller's in-memory fleet (workers and tasks) and its persistence.
//
// Writes are group-committed: every caller of flush() waits for a write that started after its
// change, but changes made while a write is in flight share the next one. So 1000 dispatches a
// second cost a handful of atomic writes, and a task is on disk as `running` before its command
// is typed (a crash then cannot run it twice).
import { EventEmitter } from 'node:events';
import { TaskNotFoundError, WorkerNotFoundError } from '../domain/errors.js';
import { isTerminal, type Task } from '../domain/task.js';
import type { Worker } from '../domain/worker.js';
import type { FleetState } from '../infrastructure/state/state-schema.js';
import { STATE_VERSION } from '../infrastructure/state/state-schema.js';

export interface StatePersistence {
  save(state: FleetState): Promise<void>;
}

export interface FleetStoreEvents {
  change: [];
  error: [unknown];
}

export class FleetStore extends EventEmitter<FleetStoreEvents> {
  private readonly workersById = new Map<string, Worker>();
  private readonly tasksById = new Map<string, Task>();
  private seq: number;
  private dirty = false;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly persistence: StatePersistence,
    readonly session: string,
    initial: FleetState,
    private readonly keepFinishedTasks = 1_000,
  ) {
    super();
    for (const worker of initial.workers) this.workersById.set(worker.id, worker);
    for (const task of initial.tasks) this.tasksById.set(task.id, task);
    this.seq = initial.nextSeq;
  }

  workers(): Worker[] {
    return [...this.workersById.values()];
  }

  tasks(): Task[] {
    return [...this.tasksById.values()];
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
    this.workersById.set(worker.id, worker);
    this.changed();
    return worker;
  }

  deleteWorker(id: string): void {
    this.workersById.delete(id);
    this.changed();
  }

  putTask(task: Task): Task {
    this.tasksById.set(task.id, task);
    this.changed();
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
    this.dirty = true;
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

  private async writeLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      await this.persistence.save(this.snapshot());
    }
  }

  private changed(): void {
    this.emit('change');
  }

  // Keeps the newest finished tasks only; queued and running ones are never dropped.
  private prune(): void {
    const finished = this.tasks().filter((t) => isTerminal(t.status));
    const excess = finished.length - this.keepFinishedTasks;
    if (excess <= 0) return;
    finished.sort((a, b) => a.seq - b.seq);
    for (const task of finished.slice(0, excess)) this.tasksById.delete(task.id);
  }
}
