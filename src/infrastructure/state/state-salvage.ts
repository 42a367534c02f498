// Tolerant reading for `tmuxorch recover`: every intact worker and task record of a damaged
// state.json, state.json.bak or journal is kept; only the records that do not parse or validate
// are skipped, and counted. The daemon itself never reads this way: it refuses a bad file
// (STATE_CORRUPT) and leaves the repair to recover, which says what it kept and what it skipped.
//
// A snapshot is written one record a line (state-store.ts serialize), so a file cut or scribbled
// over mid-way still yields every line that was not touched; a hand-edited file that is valid
// JSON is salvaged element by element instead.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Task } from '../../domain/task.js';
import type { Worker } from '../../domain/worker.js';
import { taskSchema, workerSchema } from './state-schema.js';

export interface SalvagedSnapshot {
  readonly present: boolean;
  // True when the whole file was valid (nothing was skipped).
  readonly intact: boolean;
  readonly session: string | null;
  readonly nextSeq: number;
  readonly workers: readonly Worker[];
  readonly tasks: readonly Task[];
  // Records (or lines) that could not be read.
  readonly skipped: number;
}

export type JournalEntry =
  | { readonly kind: 'worker'; readonly worker: Worker }
  | { readonly kind: 'task'; readonly task: Task }
  | { readonly kind: 'deleteWorker'; readonly id: string }
  | { readonly kind: 'seq'; readonly seq: number };

export interface SalvagedJournal {
  readonly present: boolean;
  readonly entries: readonly JournalEntry[];
  // Complete lines that could not be read (damage in the middle).
  readonly skipped: number;
  // True when the file ended in an unfinished line (a crash mid-append: expected, not damage).
  readonly tornTail: boolean;
}

const headSchema = z.object({
  version: z.number().int(),
  session: z.string().min(1),
  nextSeq: z.number().int().nonnegative(),
});

async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// A task record has a command, a worker record a pane: the shapes cannot be confused.
function classify(value: unknown): { worker?: Worker; task?: Task } {
  if (typeof value !== 'object' || value === null) return {};
  if ('command' in value) {
    const task = taskSchema.safeParse(value);
    return task.success ? { task: task.data } : {};
  }
  const worker = workerSchema.safeParse(value);
  return worker.success ? { worker: worker.data } : {};
}

const STRUCTURAL = /^\s*("workers"\s*:\s*\[|"tasks"\s*:\s*\[|[\]}],?|\]\s*}?|)\s*$/;

export async function salvageSnapshot(file: string): Promise<SalvagedSnapshot> {
  const text = await readOptional(file);
  if (text === null)
    return { present: false, intact: true, session: null, nextSeq: 0, workers: [], tasks: [], skipped: 0 };
  const workers: Worker[] = [];
  const tasks: Task[] = [];
  let skipped = 0;
  let session: string | null = null;
  let nextSeq = 0;
  const json = parseJson(text) as { workers?: unknown; tasks?: unknown } | undefined;
  if (json !== undefined && typeof json === 'object' && json !== null) {
    const head = headSchema.safeParse(json);
    if (head.success) ({ session, nextSeq } = head.data);
    else skipped++;
    for (const key of ['workers', 'tasks'] as const) {
      const list = json[key];
      if (!Array.isArray(list)) {
        skipped++;
        continue;
      }
      for (const item of list) {
        const found = classify(item);
        if (found.worker && key === 'workers') workers.push(found.worker);
        else if (found.task && key === 'tasks') tasks.push(found.task);
        else skipped++;
      }
    }
    return { present: true, intact: skipped === 0, session, nextSeq, workers, tasks, skipped };
  }
  // Not JSON as a whole: one record a line.
  for (const [i, raw] of text.split('\n').entries()) {
    if (STRUCTURAL.test(raw)) continue;
    const line = raw.trim().replace(/,$/, '');
    if (i === 0 && line.startsWith('{') && line.includes('"version"')) {
      const head = headSchema.safeParse(parseJson(`${line.replace(/,\s*$/, '')}}`));
      if (head.success) {
        ({ session, nextSeq } = head.data);
        continue;
      }
    }
    // The last record of a list carries the list's `]` (and the file's `}`) on its line.
    const candidates = [line, line.replace(/\]$/, ''), line.replace(/\]\s*}$/, '')];
    const found = candidates.map((c) => classify(parseJson(c))).find((f) => f.worker ?? f.task) ?? {};
    if (found.worker) workers.push(found.worker);
    else if (found.task) tasks.push(found.task);
    else skipped++;
  }
  return { present: true, intact: false, session, nextSeq, workers, tasks, skipped };
}

const entrySchema = z.union([
  z.object({ w: workerSchema }).strict(),
  z.object({ t: taskSchema }).strict(),
  z.object({ dw: z.string().min(1) }).strict(),
  z.object({ seq: z.number().int().nonnegative() }).strict(),
]);

export async function salvageJournal(file: string): Promise<SalvagedJournal> {
  const text = await readOptional(file);
  if (text === null) return { present: false, entries: [], skipped: 0, tornTail: false };
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const entries: JournalEntry[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const parsed = entrySchema.safeParse(parseJson(line));
    if (!parsed.success) {
      skipped++;
      continue;
    }
    const entry = parsed.data;
    if ('w' in entry) entries.push({ kind: 'worker', worker: entry.w });
    else if ('t' in entry) entries.push({ kind: 'task', task: entry.t });
    else if ('dw' in entry) entries.push({ kind: 'deleteWorker', id: entry.dw });
    else entries.push({ kind: 'seq', seq: entry.seq });
  }
  return { present: true, entries, skipped, tornTail: tail.trim() !== '' };
}
