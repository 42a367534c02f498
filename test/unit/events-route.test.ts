// GET /events on a bare fastify (no auth), over a real EventLog: live events, a resume with
// Last-Event-ID after a disconnect gets exactly the missed events then the live ones, a resume
// from an id rotated away starts with `event: reset`, a slow client is cut off, close ends streams.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetEvents } from '../../src/application/events/fleet-events.js';
import { EventLog } from '../../src/infrastructure/events/event-log.js';
import { eventsPlugin, resumeId } from '../../src/controller/http/events-route.js';
import { connectSse, type SseClient } from '../helpers/sse-client.js';

let dir: string;
let log: EventLog;
let events: FleetEvents;
let app: FastifyInstance | undefined;
let base: string;
const clients: SseClient[] = [];

async function serve(
  options: Omit<Parameters<typeof eventsPlugin>[0], 'events'> = {},
): Promise<FastifyInstance> {
  const server = Fastify();
  app = server;
  await server.register(eventsPlugin({ events, ...options }));
  base = await server.listen({ host: '127.0.0.1', port: 0 });
  return server;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-sse-'));
  log = await EventLog.open(dir);
  events = new FleetEvents(log);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await app?.close();
  events.close();
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function happen(n: number): void {
  for (let i = 0; i < n; i++) {
    counter++;
    events.publish({
      type: 'task.started',
      taskId: `t-${counter}`,
      workerId: 'w-1',
      worker: 'one',
      attempt: 1,
    });
  }
}

async function connect(headers: Record<string, string> = {}, path = '/v1/events'): Promise<SseClient> {
  const client = await connectSse(`${base}${path}`, headers);
  clients.push(client);
  return client;
}

const ids = (client: SseClient): number[] => client.events().map((e) => e.id);
const count = (client: SseClient, n: number) => () => client.events().length >= n;

describe('GET /events', () => {
  it('parses Last-Event-ID and since', () => {
    expect(resumeId(undefined, undefined)).toBeNull();
    expect(resumeId('12', undefined)).toBe(12);
    expect(resumeId(undefined, '7')).toBe(7);
    expect(resumeId('3', '7')).toBe(3);
    expect(resumeId('x1', undefined)).toBeUndefined();
  });

  it('resumes with Last-Event-ID after a disconnect: exactly the missed events, then live ones', async () => {
    await serve();
    happen(3); // before anyone listens: not sent to a client that does not resume
    const first = await connect();
    expect(first.response.statusCode).toBe(200);
    expect(first.response.headers['content-type']).toMatch(/^text\/event-stream/);
    happen(4);
    await first.waitFor(count(first, 4));
    expect(ids(first)).toEqual([4, 5, 6, 7]);
    const frame = first.frames.find((f) => f.id === '7');
    expect(frame?.event).toBe('task.started');
    first.close();
    await first.ended;

    happen(5); // missed: 8..12
    const again = await connect({ 'last-event-id': '7' });
    await again.waitFor(count(again, 5));
    happen(2); // live: 13, 14
    await again.waitFor(count(again, 7));
    expect(ids(again)).toEqual([8, 9, 10, 11, 12, 13, 14]);

    // The alias and ?since= work the same way.
    const since = await connect({}, '/events?since=11');
    await since.waitFor(count(since, 3));
    expect(ids(since)).toEqual([12, 13, 14]);
  });

  it('no gap and no duplicate when events keep coming while the log is replayed', async () => {
    await serve({ replayBatch: 7 });
    happen(300);
    const client = await connect({ 'last-event-id': '10' });
    // Live events while the replay pages through the log.
    const burst = setInterval(() => happen(5), 1);
    await new Promise((r) => setTimeout(r, 50));
    clearInterval(burst);
    const last = events.lastId;
    await client.waitFor(() => client.events().at(-1)?.id === last);
    expect(ids(client)).toEqual(Array.from({ length: last - 10 }, (_, i) => 11 + i));
  });

  it('an id rotated away, or unknown, starts the stream with event: reset', async () => {
    await log.close();
    log = await EventLog.open(dir, { maxBytes: 1_500 });
    events = new FleetEvents(log);
    await serve();
    for (let i = 0; i < 40; i++) {
      happen(1);
      await log.flush();
    }
    const old = await connect({ 'last-event-id': '1' });
    await old.waitFor(() => old.events().at(-1)?.id === 40);
    const reset = old.frames.find((f) => f.event === 'reset');
    expect(reset).toBeDefined();
    const info = JSON.parse(reset?.data ?? '{}') as { reason: string; oldest: number };
    expect(info.reason).toBe('rotated');
    expect(ids(old)[0]).toBe(info.oldest);
    expect(info.oldest).toBeGreaterThan(2);

    const unknown = await connect({ 'last-event-id': '999' });
    await unknown.waitFor((frames) => frames.some((f) => f.event === 'reset'));
    happen(1);
    await unknown.waitFor(count(unknown, 1));
    expect(ids(unknown)).toEqual([41]);
  });

  it('rejects a malformed id; heartbeats; a client too far behind is cut off with a comment', async () => {
    const server = await serve({ heartbeatMs: 20, maxBufferedBytes: 10_000 });
    const bad = await server.inject({
      method: 'GET',
      url: '/v1/events',
      headers: { 'last-event-id': 'abc' },
    });
    expect(bad.statusCode).toBe(400);

    const client = await connect();
    await client.waitFor((frames) => frames.some((f) => f.comments.includes('heartbeat')));
    // A client that reads nothing: its socket fills up, then the stream is ended.
    client.response.pause();
    for (let i = 0; i < 2_000; i++) happen(1);
    client.response.resume();
    await client.ended;
    const last = client.frames.at(-1);
    expect(last?.comments.join(' ')).toMatch(/too far behind: reconnect with Last-Event-ID: \d+/);
  });

  it('closing the server ends open streams', async () => {
    await serve();
    const client = await connect();
    happen(1);
    await client.waitFor(count(client, 1));
    await app?.close();
    await client.ended;
    expect(client.frames.at(-1)?.comments).toContain('server closing');
  });
});
