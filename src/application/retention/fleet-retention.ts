// Retention on a running fleet (the daemon's, or an ephemeral one): one prune at a time, the
// schedule's and a person's alike, each over the fleet's own records (retention-subjects.ts).
// What a prune removed is logged in the controller log, whoever asked.
import type { FleetController } from '../fleet/fleet-controller.js';
import type { OperationRequest } from '../contract/operation-inputs.js';
import { pruneHome, type PruneReport } from './prune-home.js';
import { fleetSubjects } from './retention-subjects.js';

// At most this many removed items are named in one log line (the count is always there).
const LOGGED_ITEMS = 100;

const running = new WeakMap<FleetController, Promise<unknown>>();

export function pruneFleet(
  fleet: FleetController,
  request: OperationRequest<'prune'>,
  by: 'request' | 'schedule' = 'request',
): Promise<PruneReport> {
  const previous = running.get(fleet) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(() => pruneHome(fleetSubjects(fleet), request, Date.now()))
    .then((report) => {
      if (!report.dryRun && (report.removed.length > 0 || report.failed > 0))
        fleet.rt.logger.info('retention: removed', {
          by,
          items: report.removed.length,
          bytes: report.freedBytes,
          failed: report.failed,
          removed: report.removed
            .slice(0, LOGGED_ITEMS)
            .map((r) => ({ kind: r.kind, id: r.id, reason: r.reason })),
        });
      return report;
    });
  running.set(fleet, next);
  return next;
}
