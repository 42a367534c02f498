// The daemon's retention schedule: a prune at start, then every `retention.intervalMs`, on an
// unref'd timer (it never keeps a process alive), stopped before the fleet shuts down. What it
// removed is logged; its failures are logged too and never reach the daemon (the next tick tries
// again).
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { FleetController } from '../fleet/fleet-controller.js';
import { pruneFleet } from './fleet-retention.js';
import type { PruneReport } from './prune-home.js';

// At most this many removed items are named in one log line (the count is always there).
const LOGGED_ITEMS = 100;

export class RetentionSchedule {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<PruneReport | null> | null = null;
  private stopped = false;

  constructor(
    private readonly fleet: FleetController,
    private readonly logger: Logger,
    // null: no schedule (only `tmuxorch prune`).
    private readonly intervalMs: number | null,
  ) {}

  start(): void {
    if (this.intervalMs === null) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  // One prune now unless one is under way; resolves with its report (null: it failed or none ran).
  tick(): Promise<PruneReport | null> {
    if (this.stopped) return Promise.resolve(null);
    this.current ??= this.runOnce().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.current;
  }

  private async runOnce(): Promise<PruneReport | null> {
    try {
      const report = await pruneFleet(this.fleet, {});
      if (report.removed.length > 0)
        this.logger.info('retention: removed', {
          items: report.removed.length,
          bytes: report.freedBytes,
          removed: report.removed
            .slice(0, LOGGED_ITEMS)
            .map((r) => ({ kind: r.kind, id: r.id, reason: r.reason })),
        });
      return report;
    } catch (error) {
      this.logger.warn('retention: prune failed', { error: String(error) });
      return null;
    }
  }
}
