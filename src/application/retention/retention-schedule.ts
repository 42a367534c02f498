// The daemon's retention schedule: a prune at start, then every `retention.intervalMs`, on an
// unref'd timer (it never keeps a process alive), stopped before the fleet shuts down. What it
// removed is logged (fleet-retention.ts); its failures are logged too and never reach the daemon
// (the next tick tries again).
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { FleetController } from '../fleet/fleet-controller.js';
import { pruneFleet } from './fleet-retention.js';
import type { PruneReport } from './prune-home.js';

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
      // pruneFleet logs what it removed.
      return await pruneFleet(this.fleet, {}, 'schedule');
    } catch (error) {
      this.logger.warn('retention: prune failed', { error: String(error) });
      return null;
    }
  }
}
