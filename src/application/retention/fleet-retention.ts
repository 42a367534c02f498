// Retention on a running fleet (the daemon's, or an ephemeral one): one prune at a time, the
// schedule's and a person's alike, each over the fleet's own records (retention-subjects.ts).
import type { FleetController } from '../fleet/fleet-controller.js';
import type { OperationRequest } from '../contract/operation-inputs.js';
import { pruneHome, type PruneReport } from './prune-home.js';
import { fleetSubjects } from './retention-subjects.js';

const running = new WeakMap<FleetController, Promise<unknown>>();

export function pruneFleet(fleet: FleetController, request: OperationRequest<'prune'>): Promise<PruneReport> {
  const previous = running.get(fleet) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(() => pruneHome(fleetSubjects(fleet), request, Date.now()));
  running.set(fleet, next);
  return next;
}
