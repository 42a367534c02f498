// FleetMetrics and GET /metrics: the text parses as Prometheus text format and its values are
// the store's; counters and histograms follow the events, restarts and tmux calls.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { FleetStore, type StatePersistence } from '../../src/application/fleet/fleet-store.js';
import { FleetMetrics } from '../../src/application/metrics/fleet-metrics.js';
import { FleetEvents } from '../../src/application/events/fleet-events.js';
import { gatesWaitingIn } from '../../src/application/events/attach-fleet-events.js';
import { newRunRecord, newStepRecord, type GateRecord } from '../../src/domain/workflow/workflow-run.js';
import { metricsPlugin } from '../../src/controller/http/metrics-route.js';
import { newTask, transitionTask, type Task } from '../../src/domain/task.js';
import { transitionWorker, type Worker } from '../../src/domain/worker.js';
import { workerRecord } from '../helpers/worker-record.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';

const persistence: StatePersistence = {
  commit: () => Promise.resolve(),
  save: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

function storeWith(workers: Worker[], tasks: Task[]): FleetStore {
  return new FleetStore(persistence, 's', { version: 1, session: 's', nextSeq: 1, workers, tasks });
}

function task(id: string, workerId: string, seq: number): Task {
  return newTask(id, { workerId, workerName: workerId, command: 'true' }, seq, new Date(0));
}

describe('FleetMetrics', () => {
  it('gauges from the store, counters from events, restarts and tmux calls', async () => {
    const store = storeWith(
      [
        workerRecord({ id: 'w-1', name: 'a', state: 'idle' }),
        workerRecord({ id: 'w-2', name: 'b', state: 'busy' }),
        workerRecord({ id: 'w-3', name: 'c', state: 'dead', type: 'sim' }),
      ],
      [task('t-1', 'w-1', 1), task('t-2', 'w-2', 2)],
    );
    const events = new FleetEvents({
      lastId: 0,
      append: () => undefined,
      readAfter: () => Promise.resolve({ events: [], more: false, gap: false }),
    });
    const metrics = new FleetMetrics({ source: store, gatesWaiting: () => 2 });
    events.observeStore(store);
    events.subscribe((e) => metrics.onEvent(e));
    metrics.observeStore(store);
    metrics.addQueue('webhooks', () => ({ pending: 4 }));

    const running = store.putTask(
      transitionTask(store.requireTask('t-2'), 'running', {
        startedAt: '2026-01-01T00:00:00.000Z',
        attempts: 1,
      }),
    );
    store.putTask(
      transitionTask(running, 'succeeded', {
        exitCode: 0,
        finishedAt: '2026-01-01T00:00:03.000Z',
        agent: { text: '', sessionId: null, costUsd: 0.5, isError: false, resetsAt: null },
      }),
    );
    store.putWorker(transitionWorker(store.requireWorker('w-3'), 'reviving', { restarts: 1 }));
    events.publish({
      type: 'policy.decision',
      workerId: 'w-1',
      worker: 'a',
      role: 'r',
      runId: null,
      stepId: null,
      what: 'bash',
      effect: 'deny',
      by: 'rules',
    });
    metrics.observeTmux('send-keys', 2, false);
    metrics.observeTmux('send-keys', 5000, true);

    const families = parsePromText(await metrics.scrape());
    expect(families.get('tmuxorch_workers')?.type).toBe('gauge');
    expect(sampleValue(families, 'tmuxorch_workers', { state: 'idle', type: 'shell' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_workers', { state: 'busy', type: 'shell' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_workers', { state: 'reviving', type: 'sim' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_workers', { state: 'dead', type: 'sim' })).toBe(0);
    expect(sampleValue(families, 'tmuxorch_tasks', { status: 'queued' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_tasks', { status: 'succeeded' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_tasks', { status: 'failed' })).toBe(0);
    expect(sampleValue(families, 'tmuxorch_queue_depth', { queue: 'tasks', state: 'queued' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_queue_depth', { queue: 'webhooks', state: 'pending' })).toBe(4);
    expect(sampleValue(families, 'tmuxorch_gates_waiting')).toBe(2);
    expect(families.get('tmuxorch_task_duration_seconds')?.type).toBe('histogram');
    expect(sampleValue(families, 'tmuxorch_task_duration_seconds_count', { type: 'shell' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_task_duration_seconds_sum', { type: 'shell' })).toBe(3);
    expect(sampleValue(families, 'tmuxorch_task_duration_seconds_bucket', { type: 'shell', le: '2.5' })).toBe(
      0,
    );
    expect(sampleValue(families, 'tmuxorch_task_duration_seconds_bucket', { type: 'shell', le: '5' })).toBe(
      1,
    );
    expect(sampleValue(families, 'tmuxorch_agent_cost_usd_total', { type: 'shell' })).toBe(0.5);
    expect(sampleValue(families, 'tmuxorch_worker_restarts_total', { type: 'sim' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_policy_decisions_total', { effect: 'deny' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_tmux_command_seconds_count', { command: 'send-keys' })).toBe(1);
    expect(sampleValue(families, 'tmuxorch_tmux_timeouts_total', { command: 'send-keys' })).toBe(1);
  });

  it('GET /metrics on a bare fastify; a scrape of 100 workers and 1,000 tasks is timed', async () => {
    const workers = Array.from({ length: 100 }, (_, i) =>
      workerRecord({
        id: `w-${i}`,
        name: `w${i}`,
        state: i % 3 === 0 ? 'busy' : 'idle',
        type: i % 2 ? 'shell' : 'sim',
      }),
    );
    const tasks = Array.from({ length: 1_000 }, (_, i) => task(`t-${i}`, `w-${i % 100}`, i));
    const metrics = new FleetMetrics({ source: storeWith(workers, tasks) });
    const app = Fastify();
    await app.register(metricsPlugin({ metrics }));
    try {
      const first = await app.inject({ method: 'GET', url: '/metrics' });
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const families = parsePromText(first.body);
      let total = 0;
      for (const sample of families.get('tmuxorch_workers')?.samples ?? []) total += sample.value;
      expect(total).toBe(100);
      expect(sampleValue(families, 'tmuxorch_tasks', { status: 'queued' })).toBe(1_000);
      const started = performance.now();
      const rounds = 50;
      for (let i = 0; i < rounds; i++) await metrics.scrape();
      console.log(
        `metrics scrape, 100 workers / 1000 tasks: ${((performance.now() - started) / rounds).toFixed(2)} ms`,
      );
    } finally {
      await app.close();
    }
  });

  it('counts the gates waiting over the active runs (the run’s own and its steps’)', () => {
    const gate = (state: GateRecord['state']): GateRecord => ({
      state,
      kind: 'gate',
      message: '',
      hashes: {},
      openedAt: '',
      decidedAt: null,
      note: null,
      by: null,
      timeoutAt: null,
    });
    const run = newRunRecord({
      id: 'r1',
      name: 'n',
      mode: 'manual',
      project: '/p',
      base: { sha: null, branch: null },
      inputs: {},
      specHash: 'h',
      startedAt: '',
      keepWorkers: false,
      steps: [
        { ...newStepRecord('a', 'a'), gate: gate('waiting') },
        { ...newStepRecord('b', 'b'), gate: gate('approved') },
      ],
    });
    expect(gatesWaitingIn([run, { ...run, id: 'r2', gate: gate('waiting') }])).toBe(3);
  });
});
