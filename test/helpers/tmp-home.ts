// A throw-away TMUXORCH_HOME (and project directories) per test.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TmpHome {
  readonly dir: string;
  // Creates (and returns) a project directory inside the temp dir.
  project(name: string): Promise<string>;
  remove(): Promise<void>;
}

// `parent`: where it is made (the system temp dir unless said).
export async function createTmpHome(prefix = 'tmuxorch-test-', parent = tmpdir()): Promise<TmpHome> {
  const dir = await mkdtemp(join(parent, prefix));
  return {
    dir,
    async project(name: string) {
      const path = join(dir, 'projects', name);
      await mkdir(path, { recursive: true });
      return path;
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
