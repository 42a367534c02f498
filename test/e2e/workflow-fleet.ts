// The fleet a workflow e2e file shares: started, with a plain (not git) project directory.
import type { CliFleet } from '../helpers/cli.js';
import { useCliFleet } from './cli-fleets.js';

export function useFlowFleet(keep: (fleet: CliFleet, project: string) => void): void {
  useCliFleet(async (made) => keep(made, await made.home.project('plain')), { start: true });
}
