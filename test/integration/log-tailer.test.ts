// LogTailer on a real file: order, offsets, UTF-8 split across writes, catchUp().
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogTailer, fileSize } from '../../src/infrastructure/logs/log-tailer.js';
import { createTmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

describe('LogTailer', () => {
  let tmp: TmpHome;
  let file: string;
  let tailer: LogTailer | undefined;
  let received: string[];
  let offsets: number[];
  let errors: Error[];

  beforeEach(async () => {
    tmp = await createTmpHome('tmuxorch-tail-');
    file = join(tmp.dir, 'logs', 'workers', 'w.log');
    received = [];
    offsets = [];
    errors = [];
  });

  afterEach(async () => {
    await tailer?.close();
    tailer = undefined;
    await tmp.remove();
  });

  const start = async (offset: number): Promise<LogTailer> => {
    tailer = new LogTailer({
      file,
      offset,
      onText: (text, end) => {
        received.push(text);
        offsets.push(end);
      },
      onError: (error) => errors.push(error),
    });
    await tailer.start();
    return tailer;
  };

  const text = (): string => received.join('');

  it('creates the file and delivers appends in order', async () => {
    await start(0);
    expect(await fileSize(file)).toBe(0);
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}\n`);
    for (const line of lines) await appendFile(file, line);
    await waitFor(() => text().length === lines.join('').length, { message: 'all appends delivered' });
    expect(text()).toBe(lines.join(''));
    // End offsets grow and end at the file size.
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(offsets.at(-1)).toBe(await fileSize(file));
    expect(errors).toEqual([]);
  });

  it('starts at an offset > 0: earlier bytes are skipped, later ones delivered', async () => {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, 'old stuff\n');
    const t = await start(4);
    await t.catchUp();
    expect(text()).toBe('stuff\n');
    expect(t.position).toBe(10);
    await appendFile(file, 'new\n');
    await waitFor(() => text() === 'stuff\nnew\n');
  });

  it('delivers a UTF-8 character split across writes whole', async () => {
    const t = await start(0);
    const bytes = Buffer.from('a€b😀c', 'utf8');
    // Split inside € (3 bytes) and inside 😀 (4 bytes).
    const cuts = [2, 3, 6, 8, bytes.length];
    let from = 0;
    for (const cut of cuts) {
      await appendFile(file, bytes.subarray(from, cut));
      from = cut;
      await t.catchUp();
    }
    expect(text()).toBe('a€b😀c');
    for (const piece of received) expect(piece).not.toContain('\ufffd');
    expect(t.position).toBe(bytes.length);
  });

  it('catchUp() delivers what was written before the call', async () => {
    const t = await start(0);
    for (let i = 0; i < 20; i++) {
      await appendFile(file, `chunk-${i};`);
      await t.catchUp();
      expect(text().endsWith(`chunk-${i};`)).toBe(true);
    }
  });
});
