// Issue 11 §6: the logs of removed workers go once they are older than the retention period; a
// live worker's log and a recent one stay.
import { existsSync, utimesSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  pruneRemovedWorkerLogs,
  REMOVED_WORKER_LOG_DAYS,
} from '../../src/infrastructure/logs/worker-log-retention.js';
import { useTmpHomes } from '../helpers/tmp-home.js';

const homes = useTmpHomes();

describe('pruneRemovedWorkerLogs', () => {
  it('deletes old logs of removed workers only', async () => {
    const home = await homes.make();
    const dir = join(home.dir, 'workers');
    await mkdir(dir);
    const now = Date.now();
    const old = (now - (REMOVED_WORKER_LOG_DAYS + 1) * 86_400_000) / 1000;
    const files = {
      liveOld: join(dir, 'w-live.log'),
      removedOld: join(dir, 'w-gone.log'),
      removedOldRotated: join(dir, 'w-gone.log.1'),
      removedRecent: join(dir, 'w-recent.log'),
      other: join(dir, 'notes.txt'),
    };
    for (const file of Object.values(files)) await writeFile(file, 'x');
    for (const file of [files.liveOld, files.removedOld, files.removedOldRotated, files.other])
      utimesSync(file, old, old);
    const deleted = await pruneRemovedWorkerLogs({ dir, liveWorkerIds: new Set(['w-live']), now });
    expect(deleted.sort()).toEqual([files.removedOld, files.removedOldRotated].sort());
    expect(existsSync(files.liveOld)).toBe(true);
    expect(existsSync(files.removedRecent)).toBe(true);
    expect(existsSync(files.other)).toBe(true);
    expect(existsSync(files.removedOld)).toBe(false);
  });
});
