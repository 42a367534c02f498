// Issue 11 §1: a worker log is never written or created through a symbolic link planted at its
// path (the tailer creates the file, 0600, before pipe-pane appends to it).
import { lstatSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogTailer } from '../../src/infrastructure/logs/log-tailer.js';
import { useTmpHomes } from '../helpers/tmp-home.js';

const homes = useTmpHomes();

describe('LogTailer and planted links', () => {
  it('refuses to open a worker log that is a symbolic link, and leaves its target alone', async () => {
    const home = await homes.make();
    const victim = join(home.dir, 'victim');
    await writeFile(victim, 'precious\n');
    const logs = join(home.dir, 'logs', 'workers');
    await mkdir(logs, { recursive: true });
    const file = join(logs, 'w-1.log');
    await symlink(victim, file);
    const tailer = new LogTailer({ file, offset: 0, onText: () => undefined });
    await expect(tailer.start()).rejects.toMatchObject({ code: 'ELOOP' });
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });

  it('creates a missing worker log 0600', async () => {
    const home = await homes.make();
    const file = join(home.dir, 'logs', 'workers', 'w-2.log');
    const tailer = new LogTailer({ file, offset: 0, onText: () => undefined });
    await tailer.start();
    await tailer.close();
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
  });
});
