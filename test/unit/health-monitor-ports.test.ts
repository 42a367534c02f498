// HealthMonitor on ports alone: a fake tmux server (application/ports/tmux.ts) and a clock the
// test moves. The restart window and the timestamps are the given clock's, so a two-minute
// window is crossed without waiting two minutes, and no real tmux is needed to judge a death.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY } from '../../src/domain/restart-policy.js';
import type { Worker } from '../../src/domain/worker.js';
import { FleetStore } from '../../src/application/fleet/fleet-store.js';
import type { Clock } from '../../src/application/ports/clock.js';
import type { PaneRow, PanePort, TmuxPort } from '../../src/application/ports/tmux.js';
import { HealthMonitor } from '../../src/application/workers/health-monitor.js';
import type { WorkerChannel } from '../../src/application/workers/worker-channel.js';
import { emptyState } from '../../src/infrastructure/state/state-schema.js';
import { silentLogger } from '../../src/infrastructure/logs/logger.js';
import { waitFor } from '../helpers/wait-for.js';
import { workerRecord } from '../helpers/worker-record.js';

const SESSION = 'ports-test';
const WINDOW_MS = 120_000;

class ManualClock implements Clock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
}

// A tmux server whose panes the test decides; anything else the monitor asked of it would throw.
function fakeTmux(panes: () => PaneRow[]): TmuxPort {
  const unexpected = (what: string) => () => Promise.reject(new Error(`unexpected tmux call: ${what}`));
  const pane = (id: string): PanePort =>
    new Proxy({ id, capture: () => Promise.resolve('bash: agent: command not found') } as PanePort, {
      get: (target, key: string) =>
        key in target ? target[key as keyof PanePort] : unexpected(`pane.${key}`),
    });
  return new Proxy(
    { pane, listPanes: () => Promise.resolve({ known: true as const, value: panes() }) } as TmuxPort,
    {
      get: (target, key: string) => (key in target ? target[key as keyof TmuxPort] : unexpected(key)),
    },
  );
}

function setup(start: number) {
  const clock = new ManualClock(start);
  const persistence = { commit: async () => {}, save: async () => {}, close: async () => {} };
  const store = new FleetStore(persistence, SESSION, emptyState(SESSION), 100);
  const worker = workerRecord({
    id: 'w1',
    project: '/tmp',
    createdAt: new Date(start).toISOString(),
    startedAt: new Date(start).toISOString(),
  });
  store.putWorker(worker);
  let placed = 0;
  const monitor = new HealthMonitor({
    store,
    server: fakeTmux(() => []), // every sweep finds the worker's pane gone
    runner: { interrupt: () => undefined, pump: () => undefined },
    launcher: {
      place: () => {
        placed += 1;
        return Promise.resolve({ paneId: `%${placed + 1}`, windowId: `@${placed + 1}` });
      },
    },
    channel: () => ({ drain: () => Promise.resolve() }) as unknown as WorkerChannel,
    policy: { ...DEFAULT_RESTART_POLICY, maxRestarts: 2, windowMs: WINDOW_MS, baseDelayMs: 0 },
    logger: silentLogger,
    clock,
  });
  const state = () => store.requireWorker('w1');
  return { clock, monitor, state, placed: () => placed };
}

async function dieAndSettle(monitor: HealthMonitor, state: () => Worker): Promise<Worker> {
  const report = await monitor.sweep();
  expect(report.complete).toBe(true);
  return waitFor(() => (['idle', 'failed'].includes(state().state) ? state() : false), {
    message: 'the worker revived or failed',
  });
}

describe('HealthMonitor on its ports', () => {
  it('stamps the sweep, the restarts and the start with the clock it is given', async () => {
    const { clock, monitor, state } = setup(Date.UTC(2030, 0, 1));
    const report = await monitor.sweep();
    expect(report.checkedAt).toBe('2030-01-01T00:00:00.000Z');
    expect(report.verdicts).toEqual([expect.objectContaining({ kind: 'dead', reason: 'its pane is gone' })]);
    const revived = await waitFor(() => (state().state === 'idle' ? state() : false));
    expect(revived).toMatchObject({ restarts: 1, restartHistory: [clock.time], paneId: '%2' });
    expect(revived.startedAt).toBe('2030-01-01T00:00:00.000Z');
    monitor.stop();
  });

  it('gives up after the limit within the window, by the clock, and not when the window has passed', async () => {
    const start = Date.UTC(2030, 0, 1);
    const within = setup(start);
    for (let i = 0; i < 2; i += 1)
      expect((await dieAndSettle(within.monitor, within.state)).state).toBe('idle');
    const failed = await dieAndSettle(within.monitor, within.state);
    expect(failed.state).toBe('failed');
    expect(failed.lastError).toMatch(/restarted 2 times within 120 s/);
    within.monitor.stop();

    const spread = setup(start);
    for (let i = 0; i < 4; i += 1) {
      spread.clock.time += WINDOW_MS + 1; // the earlier restarts fall out of the window
      expect((await dieAndSettle(spread.monitor, spread.state)).state).toBe('idle');
    }
    expect(spread.state().restartHistory).toEqual([spread.clock.time]);
    expect(spread.placed()).toBe(4);
    spread.monitor.stop();
  });
});
