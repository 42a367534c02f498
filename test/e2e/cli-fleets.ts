// How an e2e test file holds its fleets; each is taken down with cleanupAndCheck (nothing of it
// may be left running), even after a failed test.
//  - useCliFleet: one fleet for a describe block (or the file), made before its first test (its
//    daemon started and shell workers added when asked) and handed to `setup` (to keep it, and
//    anything else the file needs first), taken down after its last.
//  - useFreshCliFleets: a fleet of its own for each test that makes one, taken down after it.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createCliFleet, type CliFleet, type CliFleetOptions } from '../helpers/cli.js';
import { addShell, cleanupAndCheck, expectOk } from './support.js';

export interface SharedFleetOptions extends CliFleetOptions {
  // `tmuxorch start` before setup.
  readonly start?: boolean;
  // Shell workers added (by these names, each in a project of its name) before setup; implies start.
  readonly shells?: readonly string[];
}

export function useCliFleet(setup: (fleet: CliFleet) => unknown, options: SharedFleetOptions = {}): void {
  const { start = false, shells = [], ...fleetOptions } = options;
  let fleet: CliFleet | undefined;
  beforeAll(async () => {
    fleet = await createCliFleet(fleetOptions);
    if (start || shells.length > 0) await expectOk(fleet, ['start']);
    for (const name of shells) await addShell(fleet, name);
    await setup(fleet);
  });
  afterAll(async () => {
    await cleanupAndCheck(fleet);
  });
}

export function useFreshCliFleets(): { create(options?: CliFleetOptions): Promise<CliFleet> } {
  const made: CliFleet[] = [];
  afterEach(async () => {
    for (const fleet of made.splice(0)) await cleanupAndCheck(fleet);
  });
  return {
    async create(options) {
      const fleet = await createCliFleet(options);
      made.push(fleet);
      return fleet;
    },
  };
}
