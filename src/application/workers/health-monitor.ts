// The health sweep and revival: one `list-panes -a` per sweep judges every worker (domain
// assessWorkers); a dead worker is revived on the restart policy's schedule (capped exponential
// backoff, a restart limit per window, then `failed` with the reason). A sweep whose query timed
// out changes nothing: a slow tmux server is "unknown", never "dead" (no restart storms). Two live
// panes carrying one worker's tag are reconciled to one.
import PQueue from 'p-queue';
import { lastWords } from '../../domain/agents/last-words.js';
import { assessWorkers, type WorkerVerdict } from '../../domain/health.js';
import {
  WORKER_PLACEHOLDER,
  decideRestart,
  pruneHistory,
  type RestartPolicy,
} from '../../domain/restart-policy.js';
import { isSupervised, transitionWorker, type Worker } from '../../domain/worker.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { PaneRow, TmuxPort } from '../ports/tmux.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import type { TaskRunner } from '../tasks/task-runner.js';
import type { WorkerChannel } from './worker-channel.js';
import type { WorkerLauncher } from './worker-launcher.js';
import { systemClock, type Clock } from '../ports/clock.js';

export interface HealthReport {
  readonly checkedAt: string;
  // False when tmux did not answer: nothing was judged.
  readonly complete: boolean;
  readonly reason: string | null;
  readonly verdicts: readonly WorkerVerdict[];
}

export interface HealthMonitorDeps {
  readonly store: FleetStore;
  readonly server: TmuxPort;
  // Only what a death and a revival need of them.
  readonly runner: Pick<TaskRunner, 'interrupt' | 'pump'>;
  readonly launcher: Pick<WorkerLauncher, 'place'>;
  readonly channel: (workerId: string) => WorkerChannel | undefined;
  readonly policy: RestartPolicy;
  readonly logger: Logger;
  // Cuts the worker's secrets out of what its screen showed (its last words go into lastError).
  readonly redact?: (workerId: string, text: string) => string;
  // What the restart windows, backoffs and timestamps are measured by (default: the system's).
  readonly clock?: Clock;
}

const REVIVE_CONCURRENCY = 8;

export type ReviveMode = 'auto' | 'manual' | 'outage';

export class HealthMonitor {
  private readonly pendingRevives = new Map<string, NodeJS.Timeout>();
  private readonly reviveQueue = new PQueue({ concurrency: REVIVE_CONCURRENCY });
  private sweeping: Promise<HealthReport> | null = null;

  private readonly clock: Clock;

  constructor(private readonly deps: HealthMonitorDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  // One sweep; concurrent callers share it.
  sweep(): Promise<HealthReport> {
    this.sweeping ??= this.runSweep().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async runSweep(): Promise<HealthReport> {
    const { store, server, logger } = this.deps;
    const checkedAt = new Date(this.clock.now()).toISOString();
    const panes = await server.listPanes();
    if (!panes.known) {
      logger.warn('health sweep skipped: tmux did not answer', { reason: panes.reason });
      return { checkedAt, complete: false, reason: panes.reason, verdicts: [] };
    }
    const verdicts = assessWorkers(
      store.workers(),
      await this.oneLivePaneEach(panes.value),
      store.session,
      this.clock.now(),
    );
    for (const verdict of verdicts) {
      const worker = store.worker(verdict.workerId);
      if (!worker) continue;
      if (verdict.kind === 'alive') {
        if (verdict.remapped) {
          logger.info('worker pane remapped', {
            workerId: worker.id,
            from: worker.paneId,
            to: verdict.paneId,
          });
          store.putWorker({ ...worker, paneId: verdict.paneId, windowId: verdict.windowId });
        }
      } else if (worker.state !== 'starting') {
        await this.markDead(worker, verdict.paneId, verdict.reason);
      }
    }
    store.flushSoon();
    return { checkedAt, complete: true, reason: null, verdicts };
  }

  // Exactly one live pane per worker tag: a second one (left by a command that timed out and ran
  // late, e.g. a respawn and a new window for the same revive) would pipe into the same log. The
  // worker's recorded pane is kept, any other closed.
  private async oneLivePaneEach(panes: readonly PaneRow[]): Promise<PaneRow[]> {
    const { store, server, logger } = this.deps;
    const live = new Map<string, PaneRow[]>();
    for (const pane of panes) {
      if (pane.sessionName !== store.session || !pane.workerId || pane.paneDead) continue;
      live.set(pane.workerId, [...(live.get(pane.workerId) ?? []), pane]);
    }
    const closed = new Set<string>();
    for (const [workerId, group] of live) {
      const worker = store.worker(workerId);
      if (group.length < 2 || !worker) continue;
      const keep = group.find((p) => p.paneId === worker.paneId) ?? group[0];
      for (const pane of group) {
        if (pane === keep) continue;
        logger.warn('second pane for one worker closed', {
          workerId,
          paneId: pane.paneId,
          kept: keep?.paneId,
        });
        await server.pane(pane.paneId).kill();
        closed.add(pane.paneId);
      }
    }
    return closed.size === 0 ? [...panes] : panes.filter((p) => !closed.has(p.paneId));
  }

  // Records a death, hands its running task back (or marks it lost) and schedules a revival.
  async markDead(worker: Worker, deadPaneId: string | null, reason: string): Promise<void> {
    const { store, runner, logger } = this.deps;
    if (!isSupervised(worker) || worker.state === 'dead' || worker.state === 'reviving') return;
    // Its last words count: a task that printed its end marker just before the pane died is done.
    await this.deps.channel(worker.id)?.drain();
    runner.interrupt(worker.id, `worker ${worker.name} ${reason}`);
    const current = store.worker(worker.id) ?? worker;
    if (current.state === 'dead' || current.state === 'stopped') return;
    // What the program printed last names the cause (a TUI that refuses to start says why).
    const words = deadPaneId ? await this.lastWordsOf(worker.id, deadPaneId) : null;
    const lastError = words ? `${reason}: ${words}` : reason;
    logger.warn('worker dead', { workerId: worker.id, name: worker.name, reason: lastError });
    store.putWorker(transitionWorker(current, 'dead', { paneId: deadPaneId, lastError }));
    this.scheduleRevive(worker.id);
  }

  private async lastWordsOf(workerId: string, paneId: string): Promise<string | null> {
    const screen = await this.deps.server
      .pane(paneId)
      .capture()
      .catch(() => '');
    const words = lastWords(screen);
    return words && this.deps.redact ? this.deps.redact(workerId, words) : words;
  }

  // Applies the restart policy: revive after the backoff delay, or give up as `failed`.
  scheduleRevive(workerId: string): void {
    const { store, policy, logger } = this.deps;
    const worker = store.worker(workerId);
    if (!worker || worker.state !== 'dead' || this.pendingRevives.has(workerId)) return;
    const now = this.clock.now();
    const decision = decideRestart(worker.restartHistory, now, policy);
    if (decision.action === 'give_up') {
      const reason = decision.reason.replaceAll(WORKER_PLACEHOLDER, worker.name);
      const lastError = `${worker.name} ${worker.lastError ?? 'died'}; ${reason}`;
      logger.error('worker failed', { workerId, lastError });
      store.putWorker(transitionWorker(worker, 'failed', { lastError }));
      store.flushSoon();
      return;
    }
    const timer = setTimeout(() => {
      this.pendingRevives.delete(workerId);
      void this.reviveQueue.add(() => this.revive(workerId, 'auto'));
    }, decision.delayMs);
    this.pendingRevives.set(workerId, timer);
  }

  // Starts a dead or failed worker again. `manual` (tmuxorch revive) clears the restart history;
  // `outage` (the tmux server died under every worker) does not count against it.
  async revive(workerId: string, mode: ReviveMode): Promise<Worker> {
    const { store, launcher, logger } = this.deps;
    const worker = store.requireWorker(workerId);
    if (worker.state !== 'dead' && worker.state !== 'failed') return worker;
    const pending = this.pendingRevives.get(workerId);
    if (pending) clearTimeout(pending);
    this.pendingRevives.delete(workerId);
    const now = this.clock.now();
    const pruned = pruneHistory(worker.restartHistory, now, this.deps.policy);
    const history = mode === 'manual' ? [] : mode === 'outage' ? pruned : [...pruned, now];
    let current = store.putWorker(
      transitionWorker(worker, 'reviving', { restarts: worker.restarts + 1, restartHistory: history }),
    );
    current = store.putWorker(transitionWorker(current, 'starting'));
    const channel = this.deps.channel(workerId);
    try {
      if (!channel) throw new Error('worker has no log channel');
      const placement = await launcher.place(current, channel, worker.paneId);
      current = store.requireWorker(workerId);
      if (current.state !== 'starting') return current;
      current = store.putWorker(
        transitionWorker(current, 'idle', {
          ...placement,
          startedAt: new Date(this.clock.now()).toISOString(),
          lastError: null,
        }),
      );
      logger.info('worker revived', { workerId, paneId: placement.paneId, restarts: current.restarts });
      await store.flush();
      this.deps.runner.pump(workerId);
      return current;
    } catch (error) {
      const reason = `could not be revived: ${error instanceof Error ? error.message : String(error)}`;
      current = store.requireWorker(workerId);
      if (current.state === 'starting') {
        store.putWorker(transitionWorker(current, 'dead', { lastError: reason, paneId: null }));
        this.scheduleRevive(workerId);
      }
      return store.requireWorker(workerId);
    }
  }

  cancelRevive(workerId: string): void {
    const pending = this.pendingRevives.get(workerId);
    if (pending) clearTimeout(pending);
    this.pendingRevives.delete(workerId);
  }

  stop(): void {
    for (const timer of this.pendingRevives.values()) clearTimeout(timer);
    this.pendingRevives.clear();
    this.reviveQueue.clear();
  }
}
