// A real fleet (private tmux socket): its events reach logs/events.ndjson in order, carry on
// numbering after a controller restart, stream over SSE (resumed with Last-Event-ID after a
// disconnect: exactly the missed events, then live ones), and /metrics matches the fleet.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../src/domain/events/fleet-event.js';
import type { UserConfig } from '../../src/infrastructure/config/settings.js';
import { eventsPlugin } from '../../src/controller/http/events-route.js';
import { metricsPlugin } from '../../src/controller/http/metrics-route.js';
import { useTestFleets, type TestFleet } from '../helpers/fleet.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { connectSse } from '../helpers/sse-client.js';

const FAST: UserConfig = {
  healthIntervalMs: 3_600_000,
  restart: { maxRestarts: 5, windowMs: 60_000, baseDelayMs: 10, maxDelayMs: 20, factor: 1 },
};

async function logged(f: TestFleet): Promise<FleetEvent[]> {
  await f.fleet.observers?.events.readAfter(Number.MAX_SAFE_INTEGER, 1); // flushes the log
  const text = await readFile(join(f.home, 'logs', 'events.ndjson'), 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as FleetEvent);
}

const observersOf = (f: TestFleet) => {
  const observers = f.fleet.observers;
  if (!observers) throw new Error('the fleet has no events attached');
  return observers;
};

describe('fleet events', () => {
  const fleets = useTestFleets();

  it('logs task and worker events in order, 0600, ids carrying on after a restart', async () => {
    const f = await fleets.open({ config: FAST });
    const w = await f.addShell('ev');
    const task = await f.fleet.send({ worker: 'ev', command: 'echo hunter2-secret; exit 3' });
    await f.fleet.wait(task.id);
    await f.tmux.tmux('kill-pane', '-t', w.paneId ?? '');
    await f.fleet.healthCheck();
    await f.waitIdle('ev', { notPane: w.paneId });

    const events = await logged(f);
    const file = join(f.home, 'logs', 'events.ndjson');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const mine = events
      .filter((e) => ('taskId' in e && e.taskId === task.id) || ('workerId' in e && e.workerId === w.id))
      .map((e) => (e.type === 'worker.state' ? `${e.from}>${e.to}` : e.type));
    expect(mine).toEqual([
      'null>starting',
      'starting>idle',
      'task.queued',
      'task.started',
      'idle>busy',
      'task.finished',
      'busy>idle',
      'idle>dead',
      'worker.dead',
      'dead>reviving',
      'reviving>starting',
      'starting>idle',
      'worker.revived',
    ]);
    expect(events.find((e) => e.type === 'task.finished')).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(await readFile(file, 'utf8')).not.toContain('hunter2');

    const lastBefore = ids.at(-1) ?? 0;
    await f.reopen();
    const t2 = await f.fleet.send({ worker: 'ev', command: 'true' });
    await f.fleet.wait(t2.id);
    const after = (await logged(f)).filter((e) => e.id > lastBefore);
    expect(after.length).toBeGreaterThan(0);
    expect(after.find((e) => e.type === 'task.queued')).toMatchObject({ taskId: t2.id });
  });

  it('SSE: resumed with Last-Event-ID after a disconnect gets exactly the missed events, then live ones', async () => {
    const f = await fleets.open({ config: FAST });
    await f.addShell('sse');
    const app = Fastify();
    await app.register(eventsPlugin({ events: observersOf(f).events }));
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const run = async (command: string): Promise<string> => {
        const t = await f.fleet.send({ worker: 'sse', command });
        await f.fleet.wait(t.id);
        return t.id;
      };
      const finishedOf = (client: Awaited<ReturnType<typeof connectSse>>, id: string) => () =>
        client.events<FleetEvent>().some((e) => e.type === 'task.finished' && e.taskId === id);

      const first = await connectSse(`${base}/v1/events`);
      const t1 = await run('true');
      await first.waitFor(finishedOf(first, t1));
      const seen = first.events<FleetEvent>();
      const lastSeen = seen.at(-1)?.id ?? 0;
      first.close();
      await first.ended;

      const t2 = await run('echo missed');
      const missed = (await logged(f)).filter((e) => e.id > lastSeen);
      expect(missed.some((e) => e.type === 'task.finished' && e.taskId === t2)).toBe(true);

      const again = await connectSse(`${base}/v1/events`, { 'last-event-id': String(lastSeen) });
      await again.waitFor(finishedOf(again, t2));
      const t3 = await run('echo live');
      await again.waitFor(finishedOf(again, t3));
      const resumed = again.events<FleetEvent>();
      const all = await logged(f);
      expect(resumed.map((e) => e.id)).toEqual(all.filter((e) => e.id > lastSeen).map((e) => e.id));
      expect(resumed.slice(0, missed.length)).toEqual(missed);
      again.close();
    } finally {
      await app.close();
    }
  });

  it('/metrics parses as Prometheus text and matches the fleet', async () => {
    const f = await fleets.open({ config: FAST });
    await f.addShell('m1');
    await f.addShell('m2');
    const t = await f.fleet.send({ worker: 'm1', command: 'sleep 0.2' });
    await f.fleet.wait(t.id);
    const app = Fastify();
    await app.register(metricsPlugin({ metrics: observersOf(f).metrics }));
    try {
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      const families = parsePromText(response.body);
      const workers = f.fleet.workers();
      expect(sampleValue(families, 'tmuxorch_workers', { state: 'idle', type: 'shell' })).toBe(
        workers.filter((w) => w.state === 'idle').length,
      );
      expect(sampleValue(families, 'tmuxorch_tasks', { status: 'succeeded' })).toBe(1);
      expect(sampleValue(families, 'tmuxorch_task_duration_seconds_count', { type: 'shell' })).toBe(1);
      expect(sampleValue(families, 'tmuxorch_task_duration_seconds_sum', { type: 'shell' })).toBeGreaterThan(
        0.1,
      );
      // The tmux calls of add-worker and the task went through the observed connection.
      const tmuxCalls = families
        .get('tmuxorch_tmux_command_seconds')
        ?.samples.filter((s) => s.name === 'tmuxorch_tmux_command_seconds_count')
        .reduce((sum, s) => sum + s.value, 0);
      expect(tmuxCalls).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});
