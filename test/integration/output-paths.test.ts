// Output paths a run writes to (--junit, --out), checked before it starts; and `mkdir -p` that
// ends where Node's recursive mkdir spins forever (under /proc, through a dangling symlink).
import { access, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/infrastructure/fs/atomic-file.js';
import { makeDirectory } from '../../src/infrastructure/fs/make-directory.js';
import { checkOutputDirectory, checkOutputFile } from '../../src/infrastructure/run/output-paths.js';
import { RunDirectory } from '../../src/infrastructure/run/run-directory.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-outpaths-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// /proc answers ENOENT to a mkdir of a new name: the case that made Node's mkdir -p spin.
const procfs = await access('/proc/self/stat').then(
  () => true,
  () => false,
);

// What `promise` rejects with, or 'pending' if it has not settled within `ms` (a spin).
async function settled(promise: Promise<unknown>, ms = 5_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  try {
    return await Promise.race([
      promise.then(
        () => 'resolved',
        (error: unknown) => error,
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('makeDirectory and writeFileAtomic end where mkdir -p cannot succeed', () => {
  it.skipIf(!procfs)('under /proc: an error at once, not a spin', async () => {
    expect(await settled(writeFileAtomic('/proc/tmuxorch-nope/j.xml', 'x'))).toMatchObject({
      code: 'ENOENT',
    });
    expect(await settled(makeDirectory('/proc/tmuxorch-nope/a/b'))).toMatchObject({ code: 'ENOENT' });
    expect(await settled(RunDirectory.create('/proc/tmuxorch-nope/run'))).toMatchObject({ code: 'ENOENT' });
  });

  it('through a dangling symlink, or a file on the way: an error at once', async () => {
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling'));
    await writeFile(join(dir, 'file'), 'x');
    expect(await settled(writeFileAtomic(join(dir, 'dangling', 'out', 'j.xml'), 'x'))).toMatchObject({
      code: 'ENOTDIR',
    });
    expect(await settled(makeDirectory(join(dir, 'file', 'sub')))).toMatchObject({ code: 'ENOTDIR' });
  });

  it('makes missing parents, each 0700, and takes a directory that exists', async () => {
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    await Promise.all([makeDirectory(join(dir, 'p', 'q')), makeDirectory(join(dir, 'p', 'q'))]);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['c']);
    expect((await stat(join(dir, 'a', 'b'))).mode & 0o777).toBe(0o700);
  });
});

describe('checkOutputFile / checkOutputDirectory', () => {
  async function usage(check: Promise<string>): Promise<string> {
    const error = (await check.then(
      () => null,
      (e: unknown) => e,
    )) as { code?: string; message?: string } | null;
    expect(error?.code).toBe('USAGE');
    expect(error?.message).not.toContain('\n');
    return error?.message ?? '';
  }

  it('refuses a file under a file, a directory, a device, an empty name', async () => {
    await writeFile(join(dir, 'file'), 'x');
    expect(await usage(checkOutputFile('--junit', join(dir, 'file', 'j.xml')))).toContain(
      'is not a directory',
    );
    expect(await usage(checkOutputFile('--junit', dir))).toContain('is a directory');
    expect(await usage(checkOutputFile('--junit', '/dev/null'))).toContain('not a regular file');
    expect(await usage(checkOutputFile('--junit', ''))).toContain('--junit');
    expect(await usage(checkOutputDirectory('--out', join(dir, 'file')))).toContain('is not a directory');
    expect(await usage(checkOutputDirectory('--out', ''))).toContain('--out');
  });

  it.skipIf(!procfs)('refuses /proc, fast', async () => {
    expect(await usage(checkOutputFile('--junit', '/proc/tmuxorch-nope/j.xml'))).toContain('/proc');
    expect(await usage(checkOutputDirectory('--out', '/proc/tmuxorch-nope'))).toContain('/proc');
  });

  it('refuses a path through a dangling symlink, and a directory it cannot write in', async () => {
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling'));
    expect(await usage(checkOutputFile('--junit', join(dir, 'dangling', 'j.xml')))).toContain(
      'symbolic link',
    );
    await mkdir(join(dir, 'locked'), { mode: 0o500 });
    // root may write anywhere the file system allows: the probe then succeeds, rightly.
    if (process.getuid?.() !== 0)
      expect(await usage(checkOutputDirectory('--out', join(dir, 'locked', 'run')))).toContain(
        'cannot write',
      );
  });

  it('takes new and existing files and directories, relative to cwd, and leaves no probe behind', async () => {
    await writeFile(join(dir, 'old.xml'), 'x');
    expect(await checkOutputFile('--junit', 'old.xml', dir)).toBe(join(dir, 'old.xml'));
    expect(await checkOutputFile('--junit', 'reports/new/j.xml', dir)).toBe(join(dir, 'reports/new/j.xml'));
    expect(await checkOutputDirectory('--out', dir)).toBe(dir);
    expect(await checkOutputDirectory('--out', 'runs/one', dir)).toBe(join(dir, 'runs/one'));
    expect((await readdir(dir)).sort()).toEqual(['old.xml']);
  });
});
