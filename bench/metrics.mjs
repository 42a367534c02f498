// `node bench/metrics.mjs` (after `npm run build`): the cost of one GET /metrics scrape
// (FleetMetrics.collect + prom-client's text) with 100 workers and 1,000 tasks in the store, and
// of one fleet event (numbered, logged to a temp events.ndjson, handed to a listener). No tmux.
// Target: a scrape under 10 ms. Prints medians and p95 of bounded loops.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { FleetStore } from '../dist/application/fleet/fleet-store.js';
import { FleetMetrics } from '../dist/application/metrics/fleet-metrics.js';
import { FleetEvents } from '../dist/application/events/fleet-events.js';
import { EventLog } from '../dist/infrastructure/events/event-log.js';
import { newTask } from '../dist/domain/task.js';
import { NO_AGENT_STATE } from '../dist/domain/worker.js';

const STATES = ['idle', 'busy', 'dead', 'starting'];
const worker = (i) => ({
  id: `w-${i}`,
  name: `w${i}`,
  type: i % 2 ? 'shell' : 'claude',
  project: '/srv/p',
  env: {},
  secretEnv: [],
  state: STATES[i % STATES.length],
  paneId: `%${i}`,
  windowId: `@${i}`,
  restarts: 0,
  restartHistory: [],
  lastError: null,
  createdAt: new Date(0).toISOString(),
  startedAt: null,
  ...NO_AGENT_STATE,
});
const persistence = { commit: async () => {}, save: async () => {}, close: async () => {} };
const workers = Array.from({ length: 100 }, (_, i) => worker(i));
const tasks = Array.from({ length: 1_000 }, (_, i) =>
  newTask(`t-${i}`, { workerId: `w-${i % 100}`, workerName: `w${i % 100}`, command: 'true' }, i, new Date(0)),
);
const store = new FleetStore(persistence, 's', { version: 1, session: 's', nextSeq: 1, workers, tasks });
const metrics = new FleetMetrics({ source: store, gatesWaiting: () => 0 });
for (let i = 0; i < 10_000; i++)
  metrics.observeTmux(i % 3 ? 'send-keys' : 'capture-pane', Math.random() * 5, false);

const stats = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(3);
  return `median ${at(0.5)} ms, p95 ${at(0.95)} ms (n=${samples.length})`;
};

const scrapes = [];
for (let i = 0; i < 200; i++) {
  const started = performance.now();
  await metrics.scrape();
  scrapes.push(performance.now() - started);
}
console.log(`scrape, 100 workers / 1000 tasks: ${stats(scrapes.slice(20))}`);

const dir = await mkdtemp(join(tmpdir(), 'tmuxorch-bench-events-'));
try {
  const log = await EventLog.open(dir);
  const events = new FleetEvents(log);
  events.subscribe(() => undefined);
  const n = 20_000;
  const started = performance.now();
  for (let i = 0; i < n; i++)
    events.publish({ type: 'task.started', taskId: `t-${i}`, workerId: 'w-1', worker: 'w1', attempt: 1 });
  const published = performance.now() - started;
  await log.flush();
  const written = performance.now() - started;
  console.log(
    `events: ${((published / n) * 1000).toFixed(2)} µs each to publish, ${((written / n) * 1000).toFixed(2)} µs each written`,
  );
  const replay = performance.now();
  await log.readAfter(0, 500);
  console.log(`readAfter(0, 500) over ${n} lines: ${(performance.now() - replay).toFixed(2)} ms`);
  await log.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
