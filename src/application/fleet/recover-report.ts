// What `tmuxorch recover` says it did (`--json` prints it whole): each source it read, and each
// task and worker it collected, queued again, closed or dropped.
import type { SalvagedSnapshot } from '../../infrastructure/state/state-salvage.js';

export interface SourceReport {
  readonly file: string;
  readonly present: boolean;
  readonly intact: boolean;
  readonly records: number;
  readonly skipped: number;
}

export interface RecoverReport {
  readonly home: string;
  readonly sources: {
    readonly state: SourceReport;
    readonly backup: SourceReport;
    readonly journal: SourceReport;
  };
  readonly workers: number;
  readonly tasks: number;
  // Tasks the pane logs showed ended: collected with their exit codes.
  readonly collected: readonly string[];
  // Agent tasks whose END is in the log: left running for the daemon to collect with the agent's verdict.
  readonly leftToCollect: readonly string[];
  // Running tasks that never began or lost their pane: queued again (or lost, no retries left).
  readonly requeued: readonly string[];
  readonly lost: readonly string[];
  // Tasks still running in a live pane (begun, not ended).
  readonly running: readonly string[];
  // Workers without a live pane: marked dead, the daemon revives them.
  readonly deadWorkers: readonly string[];
  // Extra panes that carried a worker's tag (closed: one pane per worker).
  readonly closedPanes: readonly string[];
  // Workers of the backup the snapshot no longer had and no pane carried: not brought back.
  readonly droppedWorkers: readonly string[];
  readonly keptAside: readonly string[];
}

// A snapshot file as recover found it.
export function source(file: string, s: SalvagedSnapshot): SourceReport {
  return {
    file,
    present: s.present,
    intact: s.intact,
    records: s.workers.length + s.tasks.length,
    skipped: s.skipped,
  };
}
