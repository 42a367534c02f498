// The fleet's Prometheus metrics, in a registry of their own (never prom-client's global one).
//
// Gauges are computed at scrape time by collect(): one pass over the store's workers and tasks,
// no I/O, so a scrape costs O(workers + tasks). Counters and histograms are fed as things happen:
// task durations and agent cost from task.finished events, restarts from the store's worker
// changes, policy decisions from policy.decision events, tmux latency and timeouts from the tmux
// connection's command observer.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FleetEvent } from '../../domain/events/fleet-event.js';
import { TASK_STATUSES, type Task } from '../../domain/task.js';
import { WORKER_STATES, type Worker } from '../../domain/worker.js';
import type { FleetStore } from '../fleet/fleet-store.js';

// What collect() reads: the store's workers and tasks (FleetStore has this shape).
export interface MetricsSource {
  workers(): Iterable<Worker>;
  taskValues(): Iterable<Task>;
  worker(id: string): Worker | undefined;
}

// A queue's depth by state, read at scrape time (the task queue is built in; a webhook queue
// adds its own with addQueue).
export type QueueDepth = () => Readonly<Record<string, number>>;

export interface FleetMetricsOptions {
  readonly source: MetricsSource;
  // Gates waiting for a decision now (the workflow engine's active runs), read at scrape time.
  readonly gatesWaiting?: () => number;
}

const TASK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const TMUX_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class FleetMetrics {
  readonly registry = new Registry();
  private readonly source: MetricsSource;
  private readonly gatesWaiting: () => number;
  private readonly queues = new Map<string, QueueDepth>();
  private readonly workersGauge: Gauge<'state' | 'type'>;
  private readonly tasksGauge: Gauge<'status'>;
  private readonly queueGauge: Gauge<'queue' | 'state'>;
  private readonly gatesGauge: Gauge;
  private readonly taskDuration: Histogram<'type'>;
  private readonly restarts: Counter<'type'>;
  private readonly tmuxSeconds: Histogram<'command'>;
  private readonly tmuxTimeouts: Counter<'command'>;
  private readonly agentCost: Counter<'type'>;
  private readonly policyDecisions: Counter<'effect'>;

  constructor(options: FleetMetricsOptions) {
    this.source = options.source;
    this.gatesWaiting = options.gatesWaiting ?? (() => 0);
    const registers = [this.registry];
    this.workersGauge = new Gauge({
      name: 'tmuxorch_workers',
      help: 'Workers by state and type',
      labelNames: ['state', 'type'],
      registers,
    });
    this.tasksGauge = new Gauge({
      name: 'tmuxorch_tasks',
      help: 'Tasks the controller keeps, by status',
      labelNames: ['status'],
      registers,
    });
    this.queueGauge = new Gauge({
      name: 'tmuxorch_queue_depth',
      help: 'Items waiting in a queue, by queue and state',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.gatesGauge = new Gauge({
      name: 'tmuxorch_gates_waiting',
      help: 'Workflow gates waiting for a decision',
      registers,
    });
    this.taskDuration = new Histogram({
      name: 'tmuxorch_task_duration_seconds',
      help: 'Wall time of finished task attempts, by worker type',
      labelNames: ['type'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.restarts = new Counter({
      name: 'tmuxorch_worker_restarts_total',
      help: 'Automatic and manual worker restarts seen by this controller, by worker type',
      labelNames: ['type'],
      registers,
    });
    this.tmuxSeconds = new Histogram({
      name: 'tmuxorch_tmux_command_seconds',
      help: 'Latency of tmux commands, by tmux command',
      labelNames: ['command'],
      buckets: TMUX_BUCKETS,
      registers,
    });
    this.tmuxTimeouts = new Counter({
      name: 'tmuxorch_tmux_timeouts_total',
      help: 'tmux commands that got no reply in time, by tmux command',
      labelNames: ['command'],
      registers,
    });
    this.agentCost = new Counter({
      name: 'tmuxorch_agent_cost_usd_total',
      help: 'Cost agents reported for their tasks, in US dollars, by worker type',
      labelNames: ['type'],
      registers,
    });
    this.policyDecisions = new Counter({
      name: 'tmuxorch_policy_decisions_total',
      help: 'Decisions of workers roles, by effect',
      labelNames: ['effect'],
      registers,
    });
    this.queues.set('tasks', () => this.taskQueueDepth());
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // Adds a queue to tmuxorch_queue_depth (its depth by state, read at every scrape).
  addQueue(queue: string, depth: QueueDepth): void {
    this.queues.set(queue, depth);
  }

  // Sets the gauges from the store: one pass over workers and tasks, no I/O.
  collect(): void {
    const workers = new Map<string, Map<string, number>>();
    for (const worker of this.source.workers()) {
      let byState = workers.get(worker.type);
      if (!byState) {
        byState = new Map(WORKER_STATES.map((state) => [state, 0]));
        workers.set(worker.type, byState);
      }
      byState.set(worker.state, (byState.get(worker.state) ?? 0) + 1);
    }
    this.workersGauge.reset();
    for (const [type, byState] of workers)
      for (const [state, count] of byState) this.workersGauge.set({ state, type }, count);

    const tasks = new Map<string, number>(TASK_STATUSES.map((status) => [status, 0]));
    for (const task of this.source.taskValues()) tasks.set(task.status, (tasks.get(task.status) ?? 0) + 1);
    for (const [status, count] of tasks) this.tasksGauge.set({ status }, count);
    this.queued = tasks.get('queued') ?? 0;

    this.queueGauge.reset();
    for (const [queue, depth] of this.queues)
      for (const [state, count] of Object.entries(depth())) this.queueGauge.set({ queue, state }, count);
    this.gatesGauge.set(this.gatesWaiting());
  }

  // The text a scrape returns (collect() first).
  async scrape(): Promise<string> {
    this.collect();
    return this.registry.metrics();
  }

  // For FleetEvents.subscribe: counts what finished and what was decided.
  onEvent(event: FleetEvent): void {
    if (event.type === 'task.finished') {
      const type = this.source.worker(event.workerId)?.type ?? 'unknown';
      if (event.durationMs !== null) this.taskDuration.observe({ type }, event.durationMs / 1000);
      if (event.costUsd !== null && event.costUsd > 0) this.agentCost.inc({ type }, event.costUsd);
    } else if (event.type === 'policy.decision') {
      this.policyDecisions.inc({ effect: event.effect });
    }
  }

  // For the tmux connection's observer.
  readonly observeTmux = (command: string, durationMs: number, timedOut: boolean): void => {
    const label = { command: command === '' ? 'unknown' : command };
    if (timedOut) this.tmuxTimeouts.inc(label);
    else this.tmuxSeconds.observe(label, durationMs / 1000);
  };

  // Counts restarts from the store's worker changes.
  observeStore(store: Pick<FleetStore, 'on' | 'off'>): () => void {
    const onWorker = (previous: Worker | undefined, next: Worker | undefined): void => {
      if (!previous || !next || next.restarts <= previous.restarts) return;
      this.restarts.inc({ type: next.type }, next.restarts - previous.restarts);
    };
    store.on('worker', onWorker);
    return () => store.off('worker', onWorker);
  }

  private queued = 0;

  private taskQueueDepth(): Record<string, number> {
    return { queued: this.queued };
  }
}
