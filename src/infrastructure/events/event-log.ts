// logs/events.ndjson: the fleet's events, one JSON object a line, in id order.
//
// - Appends are batched: append() queues the line and returns; one writer writes what has queued
//   up since its last write in a single write(2) on an O_APPEND handle, so lines land in order and
//   whole. flush() resolves once everything appended before it is written.
// - The file is 0600, opened with O_NOFOLLOW (never through a planted symbolic link).
// - Rotation: once the file reaches `maxBytes` it becomes `events.ndjson.1` (replacing the older
//   one) and a new file starts, so at most ~2 × maxBytes are kept.
// - The last id is read back from the tail at open (the newer file, else the rotated one), so ids
//   carry on across restarts.
// - readAfter(id, limit) scans backwards from the end (the newer file, then the rotated one) to
//   the first line after `id`, holding at most `limit` lines. The bound: what the two files keep.
//   An id older than the oldest kept one answers `gap: true` (the caller says so to its reader
//   and goes on from the oldest kept event).
import { constants } from 'node:fs';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isFleetEvent, type FleetEvent } from '../../domain/events/fleet-event.js';
import { makeDirectory } from '../fs/make-directory.js';

export const EVENTS_FILE = 'events.ndjson';
export const DEFAULT_EVENT_LOG_MAX_BYTES = 32 * 1024 * 1024;
const CHUNK = 64 * 1024;
const ID_PREFIX = /^\{"id":(\d+)[,}]/;

export interface EventLogOptions {
  // Rotate once the file holds this many bytes.
  readonly maxBytes?: number;
  // Called when a write fails (the events stay in memory for the live stream; the log loses them).
  readonly onError?: (error: unknown) => void;
}

export interface ReadAfterResult {
  // The events after the id asked for, oldest first, at most `limit`.
  readonly events: FleetEvent[];
  // More events follow the last one returned (ask again after it).
  readonly more: boolean;
  // The id asked for is older than what the log keeps: events between it and the first returned
  // are lost to rotation.
  readonly gap: boolean;
}

export class EventLog {
  readonly file: string;
  readonly rotatedFile: string;
  private readonly maxBytes: number;
  private handle: FileHandle | null = null;
  private size = 0;
  private pending: string[] = [];
  private writing: Promise<void> | null = null;
  // Lines appended and lines written (or lost to a failed write), for flush().
  private appended = 0;
  private written = 0;
  private waiters: Array<{ readonly upTo: number; readonly resolve: () => void }> = [];
  private closed = false;
  private lastIdValue: number;

  private constructor(
    dir: string,
    lastId: number,
    size: number,
    private readonly options: EventLogOptions,
  ) {
    this.file = join(dir, EVENTS_FILE);
    this.rotatedFile = `${this.file}.1`;
    this.maxBytes = options.maxBytes ?? DEFAULT_EVENT_LOG_MAX_BYTES;
    this.lastIdValue = lastId;
    this.size = size;
  }

  // Opens (creates) the log in `dir` and reads its last id.
  static async open(dir: string, options: EventLogOptions = {}): Promise<EventLog> {
    await makeDirectory(dir);
    const file = join(dir, EVENTS_FILE);
    const size = (await stat(file).catch(() => null))?.size ?? 0;
    const lastId = (await lastIdOf(file)) ?? (await lastIdOf(`${file}.1`)) ?? 0;
    return new EventLog(dir, lastId, size, options);
  }

  // The id of the newest event appended (0: none ever).
  get lastId(): number {
    return this.lastIdValue;
  }

  // Queues an event for the file; its id must be above every earlier one.
  append(event: FleetEvent): void {
    if (this.closed) return;
    if (event.id <= this.lastIdValue)
      throw new RangeError(`event id ${event.id} is not after ${this.lastIdValue}`);
    this.lastIdValue = event.id;
    this.pending.push(`${JSON.stringify(event)}\n`);
    this.appended++;
    this.writing ??= this.writeLoop();
  }

  // Resolves once every event appended before the call is in the file (not waiting for later
  // ones: a steady stream of events cannot hold it off).
  flush(): Promise<void> {
    const upTo = this.appended;
    if (this.written >= upTo) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }

  // The events after `afterId`, oldest first, at most `limit` of them (see the top of the file).
  async readAfter(afterId: number, limit: number): Promise<ReadAfterResult> {
    await this.flush();
    // Scanning backwards, the lines seen last are the oldest: keep the last `limit` seen (a ring).
    const size = Math.max(1, limit);
    const ring: string[] = [];
    let seen = 0;
    let reachedAfter = false;
    let oldestSeen: number | null = null;
    for (const file of [this.file, this.rotatedFile]) {
      const stop = await scanBackwards(file, (line, id) => {
        if (id <= afterId) {
          reachedAfter = true;
          return false;
        }
        // Ids only go down backwards; a line that does not (the file rotated during the scan, so
        // the rotated file is what was just read) is one already seen.
        if (oldestSeen !== null && id >= oldestSeen) return true;
        oldestSeen = id;
        ring[seen % size] = line;
        seen++;
        return true;
      });
      if (stop) break;
    }
    const events: FleetEvent[] = [];
    // Oldest first: from the last line stored back to the earliest one still in the ring.
    for (let n = seen - 1; n >= Math.max(0, seen - size); n--) {
      const event = parseLine(ring[n % size] ?? '');
      if (event) events.push(event);
    }
    const skipped = seen > size;
    // A gap: the scan ran out of kept lines before reaching `afterId`, and the oldest kept event
    // is not the one right after it.
    const oldest: number | null = oldestSeen;
    const gap = !reachedAfter && oldest !== null && oldest > afterId + 1;
    return { events, more: skipped, gap };
  }

  private async writeLoop(): Promise<void> {
    try {
      // One turn first: the events of the callbacks already due join this write.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.pending.length > 0 && !this.closed) {
        const text = this.pending.join('');
        const lines = this.pending.length;
        this.pending = [];
        try {
          await this.write(text);
        } catch (error) {
          this.options.onError?.(error);
          await this.handle?.close().catch(() => undefined);
          this.handle = null;
        }
        this.written += lines;
        this.wake();
      }
    } finally {
      this.writing = null;
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => w.upTo <= this.written);
    this.waiters = this.waiters.filter((w) => w.upTo > this.written);
    for (const waiter of due) waiter.resolve();
  }

  private async write(text: string): Promise<void> {
    if (this.size >= this.maxBytes) await this.rotate();
    this.handle ??= await open(
      this.file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
    const bytes = Buffer.from(text);
    await this.handle.write(bytes);
    this.size += bytes.length;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    await rename(this.file, this.rotatedFile).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
    this.size = 0;
  }
}

function parseLine(line: string): FleetEvent | null {
  try {
    const value: unknown = JSON.parse(line);
    return isFleetEvent(value) ? value : null;
  } catch {
    return null;
  }
}

async function lastIdOf(file: string): Promise<number | null> {
  let last: number | null = null;
  await scanBackwards(file, (_line, id) => {
    last = id;
    return false;
  });
  return last;
}

// Calls `visit` with each complete line of `file` that starts with an id, newest first, until it
// returns false (then resolves true: stopped); resolves false at the start of the file (or when
// there is no file). A last line without its newline (a cut write) is skipped.
async function scanBackwards(file: string, visit: (line: string, id: number) => boolean): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    let position = (await handle.stat()).size;
    let carry = Buffer.alloc(0);
    let first = true;
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      let buffer = Buffer.concat([chunk, carry]);
      if (first) {
        // Whatever follows the last newline is an unfinished line.
        const end = buffer.lastIndexOf(0x0a);
        if (end < 0) {
          carry = Buffer.alloc(0);
          continue;
        }
        buffer = buffer.subarray(0, end + 1);
        first = false;
      }
      // Lines whose start is inside this buffer: all but the first piece (unless at offset 0).
      let end = buffer.length;
      for (let i = buffer.length - 2; i >= -1; i--) {
        if (i >= 0 && buffer[i] !== 0x0a) continue;
        if (i < 0 && position > 0) break;
        const line = buffer.toString('utf8', i + 1, end).replace(/\n$/, '');
        end = i + 1;
        const match = ID_PREFIX.exec(line);
        if (match && !visit(line, Number(match[1]))) return true;
      }
      carry = buffer.subarray(0, end);
    }
    return false;
  } finally {
    await handle.close();
  }
}
