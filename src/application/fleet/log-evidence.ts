// What a worker's pane log proves about tasks the state may be wrong about (a lost journal line, a
// restored backup): a task whose END marker is there ran and ended (collect it, never run it
// again); one whose BEGIN marker is there without its END started (it is running, or was cut off).
// The log is the ground truth the state is reconciled against; it is read from the newest offset
// the state still vouches for, and the rotated `.1` generation is read too when that offset lies
// beyond the current file (the log was rotated after the state was written).
import { open, stat } from 'node:fs/promises';
import { MarkerScanner } from '../../domain/marker-scanner.js';
import { isSafeMarkerId } from '../../domain/marker.js';
import type { Task } from '../../domain/task.js';
import type { TaskEndEvent } from '../workers/worker-channel.js';

export interface BegunTask {
  // Byte offset of the line holding its BEGIN marker, in the current log.
  readonly offset: number;
}

export interface LogEvidence {
  readonly ended: ReadonlyMap<string, TaskEndEvent>;
  // Tasks begun in the current log and not ended (yet).
  readonly begun: ReadonlyMap<string, BegunTask>;
}

const CHUNK_BYTES = 1024 * 1024;

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch {
    return null;
  }
}

// Where to start reading: the oldest offset of a task the state says is running, else the newest
// offset any task of the worker was recorded at (a task dispatched after it starts later still).
export function scanStart(tasks: readonly Task[]): number {
  const running = tasks.filter((t) => t.status === 'running' && t.logOffset !== null);
  if (running.length > 0) return Math.min(...running.map((t) => t.logOffset ?? 0));
  let newest = 0;
  for (const task of tasks) if (task.logOffset !== null && task.logOffset > newest) newest = task.logOffset;
  return newest;
}

// Feeds [from, end) of a file to the scanner line by line; each event comes with its line's offset.
async function feed(
  file: string,
  from: number,
  scanner: MarkerScanner,
  onEvent: (event: ReturnType<MarkerScanner['push']>[number], lineOffset: number) => void,
): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return;
  }
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let position = from;
    let pending = Buffer.alloc(0);
    let pendingAt = from;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = Buffer.concat([pending, buffer.subarray(0, bytesRead)]);
      let lineStart = 0;
      for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, lineStart)) {
        const line = data.subarray(lineStart, nl + 1).toString('utf8');
        for (const event of scanner.push(line)) onEvent(event, pendingAt + lineStart);
        lineStart = nl + 1;
      }
      pending = data.subarray(lineStart);
      pendingAt += lineStart;
    }
  } finally {
    await handle.close();
  }
}

// Reads what `logFile` (and its `.1`) say about `tasks` from `from` on.
export async function readLogEvidence(
  logFile: string,
  tasks: readonly Task[],
  from: number,
): Promise<LogEvidence> {
  const ended = new Map<string, TaskEndEvent>();
  const begun = new Map<string, BegunTask>();
  const ids = tasks.map((t) => t.id).filter(isSafeMarkerId);
  if (ids.length === 0) return { ended, begun };
  const size = await sizeOf(logFile);
  const scanner = new MarkerScanner();
  for (const id of ids) scanner.expectTask(id);
  const onEvent =
    (current: boolean) =>
    (event: ReturnType<MarkerScanner['push']>[number], offset: number): void => {
      if (event.kind === 'begin' && current) begun.set(event.taskId, { offset });
      if (event.kind === 'end') {
        ended.set(event.taskId, event);
        begun.delete(event.taskId);
      }
    };
  let start = from;
  if (size === null || from > size) {
    // The log was rotated (or removed) since: the older generation holds what came after `from`.
    const older = await sizeOf(`${logFile}.1`);
    if (older !== null && from <= older) await feed(`${logFile}.1`, from, scanner, onEvent(false));
    start = 0;
  }
  if (size !== null) await feed(logFile, start, scanner, onEvent(true));
  return { ended, begun };
}
