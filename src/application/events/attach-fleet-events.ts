// Wires a fleet's events and metrics: FleetEvents on the store, the workflow engine and the
// policy gate, its log in <home>/logs/events.ndjson, and FleetMetrics fed by the events, the
// store and the tmux connection. The composition root calls it for every fleet it opens, before
// the fleet starts (so what start-up recovery changes is seen), whether or not HTTP serves them.
import type { FleetController } from '../fleet/fleet-controller.js';
import type { WorkflowEngine } from '../workflows/workflow-engine.js';
import type { Settings } from '../../infrastructure/config/settings.js';
import { EventLog } from '../../infrastructure/events/event-log.js';
import type { Clock } from '../ports/clock.js';
import { FleetEvents } from './fleet-events.js';
import { FleetMetrics } from '../metrics/fleet-metrics.js';
import type { RunRecord } from '../../domain/workflow/workflow-run.js';

export interface FleetObservers {
  readonly events: FleetEvents;
  readonly metrics: FleetMetrics;
  // Stops listening and writes what the log has queued. Idempotent.
  close(): Promise<void>;
}

export interface AttachOptions {
  readonly clock?: Clock;
  // Rotate logs/events.ndjson at this size (default 32 MiB).
  readonly maxLogBytes?: number;
}

// Gates waiting now, over the runs in progress (the run's own gate and its steps').
export function gatesWaitingIn(runs: Iterable<RunRecord>): number {
  let waiting = 0;
  for (const run of runs) {
    if (run.gate?.state === 'waiting') waiting++;
    for (const step of run.steps) if (step.gate?.state === 'waiting') waiting++;
  }
  return waiting;
}

export async function attachFleetEvents(
  fleet: FleetController,
  engine: WorkflowEngine | null,
  settings: Settings,
  options: AttachOptions = {},
): Promise<FleetObservers> {
  const { rt } = fleet;
  const warn = (what: string) => (error: unknown) =>
    rt.logger.warn(what, { error: error instanceof Error ? error.message : String(error) });
  const log = await EventLog.open(settings.paths.logsDir, {
    ...(options.maxLogBytes !== undefined ? { maxBytes: options.maxLogBytes } : {}),
    onError: warn('event log write failed'),
  });
  const events = new FleetEvents(log, options.clock, warn('fleet event failed'));
  const metrics = new FleetMetrics({
    source: rt.store,
    gatesWaiting: () => (engine ? gatesWaitingIn(engine.activeRuns()) : 0),
  });
  events.observeStore(rt.store);
  events.observePolicy(rt.policy);
  if (engine) events.observeRuns(engine);
  const stopMetrics = events.subscribe((event) => metrics.onEvent(event));
  const stopRestarts = metrics.observeStore(rt.store);
  rt.connection.observeCommands?.(metrics.observeTmux);
  let closing: Promise<void> | null = null;
  const observers: FleetObservers = {
    events,
    metrics,
    close() {
      closing ??= (async () => {
        rt.connection.observeCommands?.(null);
        stopMetrics();
        stopRestarts();
        events.close();
        await log.close();
      })();
      return closing;
    },
  };
  fleet.attachObservers(observers);
  return observers;
}
