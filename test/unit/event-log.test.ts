// logs/events.ndjson: appends in order, rotates by size, reads back after an id across the
// rotated file, knows its last id after a reopen, says when an id was rotated away.
import { readFile, stat, writeFile, appendFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLog } from '../../src/infrastructure/events/event-log.js';
import { numberEvent, type FleetEvent } from '../../src/domain/events/fleet-event.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-eventlog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function event(id: number): FleetEvent {
  return numberEvent(id, new Date(id * 1000).toISOString(), {
    type: 'task.started',
    taskId: `t-${id}`,
    workerId: 'w-1',
    worker: 'one',
    attempt: 1,
  });
}

const ids = (events: readonly FleetEvent[]): number[] => events.map((e) => e.id);

describe('EventLog', () => {
  it('appends lines in order, 0600, and reads them back after an id', async () => {
    const log = await EventLog.open(dir);
    expect(log.lastId).toBe(0);
    for (let id = 1; id <= 20; id++) log.append(event(id));
    await log.flush();
    const text = await readFile(log.file, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as FleetEvent).id)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(lines[0]?.startsWith('{"id":1,')).toBe(true);
    expect((await stat(log.file)).mode & 0o777).toBe(0o600);
    const after = await log.readAfter(15, 100);
    expect(ids(after.events)).toEqual([16, 17, 18, 19, 20]);
    expect(after).toMatchObject({ more: false, gap: false });
    expect((await log.readAfter(20, 100)).events).toEqual([]);
    const all = await log.readAfter(0, 100);
    expect(ids(all.events)).toHaveLength(20);
    expect(all.gap).toBe(false);
    await log.close();
  });

  it('pages with a limit: the oldest events after the id first, `more` set', async () => {
    const log = await EventLog.open(dir);
    for (let id = 1; id <= 10; id++) log.append(event(id));
    const first = await log.readAfter(2, 3);
    expect(ids(first.events)).toEqual([3, 4, 5]);
    expect(first.more).toBe(true);
    const last = await log.readAfter(8, 3);
    expect(ids(last.events)).toEqual([9, 10]);
    expect(last.more).toBe(false);
    await log.close();
  });

  it('knows its last id after a reopen (and skips a cut last line)', async () => {
    const log = await EventLog.open(dir);
    for (let id = 1; id <= 5; id++) log.append(event(id));
    await log.close();
    await appendFile(log.file, '{"id":6,"at":"cut');
    const again = await EventLog.open(dir);
    expect(again.lastId).toBe(5);
    expect(() => again.append(event(5))).toThrow(RangeError);
    again.append(event(6));
    await again.close();
    expect((await EventLog.open(dir)).lastId).toBe(6);
  });

  it('rotates by size and reads across the rotated file; an id rotated away is a gap', async () => {
    const log = await EventLog.open(dir, { maxBytes: 2_000 });
    // ~150 bytes a line: a rotation every ~14 lines; flushed one by one so each write can rotate.
    for (let id = 1; id <= 40; id++) {
      log.append(event(id));
      await log.flush();
    }
    const main = await readFile(log.file, 'utf8');
    const rotated = await readFile(log.rotatedFile, 'utf8');
    expect(Buffer.byteLength(main)).toBeLessThanOrEqual(2_200);
    const firstKept = (JSON.parse(rotated.split('\n')[0] ?? '') as FleetEvent).id;
    const firstMain = (JSON.parse(main.split('\n')[0] ?? '') as FleetEvent).id;
    expect(firstKept).toBeGreaterThan(1);
    expect(firstMain).toBeGreaterThan(firstKept);

    // Across the two files, in order, no duplicate.
    const across = await log.readAfter(firstKept, 1_000);
    expect(ids(across.events)).toEqual(Array.from({ length: 40 - firstKept }, (_, i) => firstKept + 1 + i));
    expect(across.gap).toBe(false);

    // Older than what is kept: a gap, and the events from the oldest kept one.
    const old = await log.readAfter(1, 1_000);
    expect(old.gap).toBe(true);
    expect(old.events[0]?.id).toBe(firstKept);
    expect(old.events.at(-1)?.id).toBe(40);
    await log.close();

    // The last id comes from the main file after a reopen; from the rotated one when it is empty.
    expect((await EventLog.open(dir)).lastId).toBe(40);
    await writeFile(log.file, '');
    expect((await EventLog.open(dir)).lastId).toBe(firstMain - 1);
  });

  it('flush() waits for what was appended before it only, not for a steady stream after it', async () => {
    const log = await EventLog.open(dir);
    let id = 0;
    log.append(event(++id));
    let stop = false;
    const stream = (async () => {
      while (!stop) {
        log.append(event(++id));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await log.flush();
    stop = true;
    await stream;
    expect((await log.readAfter(0, 10)).events[0]?.id).toBe(1);
    await log.close();
  });

  it('keeps lines whole across the 64 KiB read chunks', async () => {
    const log = await EventLog.open(dir);
    for (let id = 1; id <= 2_000; id++) log.append(event(id));
    const page = await log.readAfter(100, 5_000);
    expect(ids(page.events)).toEqual(Array.from({ length: 1_900 }, (_, i) => 101 + i));
    await log.close();
  });
});
