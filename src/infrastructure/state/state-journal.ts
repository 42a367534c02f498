// The write-ahead journal beside state.json: each commit appends the workers and tasks that
// changed, one JSON object a line. A commit costs what changed, not the size of the fleet;
// state.json (the snapshot) is rewritten only when the journal is compacted.
//
// No fsync per commit, on purpose: an append is in the page cache when write() returns, so a
// killed controller loses nothing; what fsync would add is survival of an OS crash or power loss,
// which also kills the tmux server and every worker, so no task outlives it anyway. Snapshots
// are still fsynced, and a torn journal tail is dropped on replay: the state is never corrupt.
//
// Replay is "last line wins" per id, so replaying a journal over the snapshot it was compacted
// into changes nothing (a crash between snapshot and truncation is harmless). A torn last line
// (a crash mid-append) is dropped; a bad line anywhere else is corruption.
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Task } from '../../domain/task.js';
import type { Worker } from '../../domain/worker.js';
import { taskSchema, workerSchema } from './state-schema.js';

export interface StateChanges {
  readonly workers: readonly Worker[];
  readonly deletedWorkers: readonly string[];
  readonly tasks: readonly Task[];
  readonly nextSeq: number;
}

const entrySchema = z.union([
  z.object({ w: workerSchema }).strict(),
  z.object({ t: taskSchema }).strict(),
  z.object({ dw: z.string().min(1) }).strict(),
  z.object({ seq: z.number().int().nonnegative() }).strict(),
]);
type Entry = z.infer<typeof entrySchema>;

// Serialises one commit as journal lines.
export function journalLines(changes: StateChanges, json: (item: object) => string): string {
  const lines: string[] = [];
  for (const worker of changes.workers) lines.push(`{"w":${json(worker)}}`);
  for (const id of changes.deletedWorkers) lines.push(JSON.stringify({ dw: id }));
  for (const task of changes.tasks) lines.push(`{"t":${json(task)}}`);
  lines.push(JSON.stringify({ seq: changes.nextSeq }));
  return `${lines.join('\n')}\n`;
}

export interface Replayed {
  readonly workers: Map<string, Worker>;
  readonly tasks: Map<string, Task>;
  nextSeq: number;
}

// Applies a journal's text to a snapshot's maps; throws a message naming the bad line.
export function replayJournal(text: string, into: Replayed): void {
  const lines = text.split('\n');
  // The piece after the last newline is '' (a clean end) or a line torn by a crash: never applied.
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    let entry: Entry;
    try {
      entry = entrySchema.parse(JSON.parse(line));
    } catch (error) {
      throw new Error(`line ${i + 1}: ${error instanceof z.ZodError ? (error.issues[0]?.message ?? 'invalid') : 'not JSON'}`, {
        cause: error,
      });
    }
    if ('w' in entry) into.workers.set(entry.w.id, entry.w);
    else if ('t' in entry) into.tasks.set(entry.t.id, entry.t);
    else if ('dw' in entry) into.workers.delete(entry.dw);
    else into.nextSeq = Math.max(into.nextSeq, entry.seq);
  }
}

// The open journal file, appended to and synced on every commit.
// Appends with synchronous writes: a commit is a few hundred bytes, a writeSync of that costs
// microseconds, a thread-pool round trip a tenth of a millisecond, twice per task.
export class JournalWriter {
  private fd: number | null = null;
  private bytes = 0;

  constructor(private readonly file: string) {}

  get size(): number {
    return this.bytes;
  }

  async append(text: string): Promise<void> {
    if (this.fd === null) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      this.fd = openSync(this.file, 'a', 0o600);
      this.bytes = fstatSync(this.fd).size;
    }
    const data = Buffer.from(text);
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written);
    this.bytes += data.length;
  }

  // Empties the journal (its content is in a durable snapshot now).
  async reset(): Promise<void> {
    await this.close();
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const handle = await open(this.file, 'w', 0o600);
    await handle.datasync();
    await handle.close();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export async function readJournal(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
