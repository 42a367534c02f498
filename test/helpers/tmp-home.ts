// A throw-away TMUXORCH_HOME (and project directories) per test.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

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

// For test files where a test makes a TmpHome of its own: `make()` creates one, removed after the
// test (call at the top of the file or in a describe; it registers the afterEach).
export function useTmpHomes(prefix?: string): { make(): Promise<TmpHome> } {
  const made: TmpHome[] = [];
  afterEach(async () => {
    for (const home of made.splice(0)) await home.remove();
  });
  return {
    async make() {
      const home = await createTmpHome(prefix);
      made.push(home);
      return home;
    },
  };
}
