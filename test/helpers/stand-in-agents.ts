// For tests of agent workers run by stand-in CLIs (scripts a test writes): a temp dir with an
// empty bin/ for them, put on the panes' PATH, and the in-process fleet that runs them. Both are
// taken down after each test.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openTestFleet, type TestFleet, type TestFleetOptions } from './fleet.js';
import { createTmpHome, type TmpHome } from './tmp-home.js';

export interface StandInBin {
  // The temp dir, for what the stand-ins record.
  readonly root: string;
  // Its bin/, where the stand-ins go (give it as pathPrefix).
  readonly dir: string;
}

export interface StandInAgents {
  bin(): Promise<StandInBin>;
  fleet(options?: TestFleetOptions): Promise<TestFleet>;
}

// Call at the top of a test file or in a describe: it registers the afterEach.
export function useStandInAgents(): StandInAgents {
  let fleet: TestFleet | null = null;
  let bin: TmpHome | null = null;

  afterEach(async () => {
    await fleet?.cleanup();
    await bin?.remove();
    fleet = null;
    bin = null;
  });

  return {
    bin: async () => {
      bin = await createTmpHome('tmuxorch-fakebin-');
      const dir = join(bin.dir, 'bin');
      await mkdir(dir);
      return { root: bin.dir, dir };
    },
    fleet: async (options) => (fleet = await openTestFleet(options)),
  };
}
