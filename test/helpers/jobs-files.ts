// For tests of readJobsFile: jobs files written in a temp dir that lives as long as the test
// file. Each one gets a name of its own, so a message naming the file names this case's file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { readJobsFile } from '../../src/controller/cli/jobs-file.js';

export interface JobsFiles {
  // The temp dir (relative projects in a file are resolved against it).
  readonly dir: string;
  // Writes a jobs file (`ext`: yaml, yml or json) and returns its path.
  write(ext: string, text: string): Promise<string>;
  read(ext: string, text: string): ReturnType<typeof readJobsFile>;
}

// Call at the top of a test file: it registers the beforeAll and afterAll.
export function useJobsFiles(prefix: string): JobsFiles {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const made = (): string => {
    if (!dir) throw new Error('useJobsFiles: used outside a test');
    return dir;
  };
  let fileNo = 0;
  const write = async (ext: string, text: string): Promise<string> => {
    const file = join(made(), `jobs-${fileNo++}.${ext}`);
    await writeFile(file, text);
    return file;
  };
  return {
    get dir() {
      return made();
    },
    write,
    read: async (ext, text) => readJobsFile(await write(ext, text)),
  };
}
