// GET /v1/events (and /events): the fleet's events as server-sent events.
//
//   id: 42
//   event: task.finished
//   data: {"id":42,"at":"…","type":"task.finished",…}
//
// Resuming: a client that sends `Last-Event-ID: N` (or `?since=N`) first gets the events after N
// from logs/events.ndjson, then the live ones, with no gap and no duplicate: the stream subscribes
// before it reads the log, buffers what arrives meanwhile, and sends from the buffer only ids
// above the last one replayed. Without either, the stream starts with what happens next.
// When N is older than what the log keeps (rotated away), or newer than the newest id (another
// home's, a deleted log), the stream first sends `event: reset` with what it can and cannot give.
//
// A `: heartbeat` comment every 15 s keeps proxies from timing the stream out. A client that
// falls too far behind (the socket's unsent bytes, or the events buffered while replaying, above
// a bound) gets a final comment naming its last id and is disconnected: it can resume from there,
// and the server never holds an unbounded backlog. Streams end when the server closes.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FleetEvent } from '../../domain/events/fleet-event.js';
import type { FleetEvents } from '../../application/events/fleet-events.js';
import type { HttpPlugin, RouteScope } from './route-types.js';

export interface EventsRouteDeps {
  readonly events: Pick<FleetEvents, 'subscribe' | 'readAfter' | 'lastId'>;
  readonly heartbeatMs?: number;
  // Unsent bytes on a client's socket beyond which it is disconnected.
  readonly maxBufferedBytes?: number;
  // Live events held while a client's replay is read beyond which it is disconnected.
  readonly maxPendingEvents?: number;
  // Events read from the log at a time while replaying.
  readonly replayBatch?: number;
}

const DEFAULTS = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxPendingEvents: 10_000,
  replayBatch: 500,
};

// The id a client resumes after, or null (live only); undefined: not a valid id.
export function resumeId(
  header: string | string[] | undefined,
  since: string | undefined,
): number | null | undefined {
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  const text = value !== undefined && value.trim() !== '' ? value.trim() : since;
  if (text === undefined || text === '') return null;
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

export function eventFrame(event: FleetEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

class EventStream {
  private lastSent: number;
  private pending: FleetEvent[] | null = [];
  private readonly stop: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly raw: ServerResponse,
    private readonly deps: EventsRouteDeps & typeof DEFAULTS,
    private readonly onEnd: (stream: EventStream) => void,
  ) {
    // Subscribed first: nothing that happens while the log is read is missed.
    this.stop = deps.events.subscribe((event) => this.onLive(event));
    this.lastSent = deps.events.lastId;
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), deps.heartbeatMs);
    this.heartbeat.unref();
    raw.on('close', () => this.cleanup());
  }

  async start(after: number | null): Promise<void> {
    this.write('retry: 2000\n\n');
    if (after !== null) await this.replay(after);
    const pending = this.pending ?? [];
    this.pending = null;
    for (const event of pending) this.send(event);
  }

  end(comment: string): void {
    if (this.ended) return;
    this.raw.end(`: ${comment}\n\n`);
    this.cleanup();
    // A client that reads nothing would keep the socket (and its unsent bytes) forever.
    setTimeout(() => this.raw.destroy(), 2_000).unref();
  }

  private async replay(after: number): Promise<void> {
    const newest = this.lastSent;
    if (after > newest) {
      this.write(
        `event: reset\ndata: ${JSON.stringify({ reason: 'unknown_id', after, lastId: newest })}\n\n`,
      );
      return;
    }
    this.lastSent = after;
    for (let first = true; !this.ended; first = false) {
      const page = await this.deps.events.readAfter(this.lastSent, this.deps.replayBatch);
      if (first && page.gap) {
        const oldest = page.events[0]?.id ?? null;
        this.write(
          `event: reset\ndata: ${JSON.stringify({ reason: 'rotated', after, oldest, lastId: newest })}\n\n`,
        );
      }
      for (const event of page.events) this.send(event);
      if (!page.more || page.events.length === 0) break;
    }
    // What the log had not written yet when it was read is in the buffer.
  }

  private onLive(event: FleetEvent): void {
    if (this.pending === null) {
      this.send(event);
      return;
    }
    this.pending.push(event);
    if (this.pending.length > this.deps.maxPendingEvents)
      this.end(`too far behind: reconnect with Last-Event-ID: ${this.lastSent}`);
  }

  private send(event: FleetEvent): void {
    if (this.ended || event.id <= this.lastSent) return;
    this.lastSent = event.id;
    this.write(eventFrame(event));
  }

  private write(text: string): void {
    if (this.ended) return;
    this.raw.write(text);
    if (this.raw.writableLength > this.deps.maxBufferedBytes)
      this.end(`too far behind: reconnect with Last-Event-ID: ${this.lastSent}`);
  }

  private cleanup(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.stop();
    this.pending = null;
    this.onEnd(this);
  }
}

export function eventsPlugin(deps: EventsRouteDeps): HttpPlugin {
  const options = { ...DEFAULTS, ...deps };
  return async (app: FastifyInstance) => {
    const streams = new Set<EventStream>();
    const scope: RouteScope = 'read';
    const handler = async (
      request: FastifyRequest<{ Querystring: { since?: string } }>,
      reply: FastifyReply,
    ): Promise<unknown> => {
      const after = resumeId(request.headers['last-event-id'], request.query.since);
      if (after === undefined)
        return reply.code(400).send({ error: 'Last-Event-ID and since must be an event id (digits)' });
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const stream = new EventStream(reply.raw, options, (s) => streams.delete(s));
      streams.add(stream);
      await stream.start(after).catch(() => stream.end('the event log could not be read'));
      return undefined;
    };
    for (const url of ['/v1/events', '/events'])
      app.get<{ Querystring: { since?: string } }>(url, { config: { scope } }, handler);
    // Before the server stops listening: open streams would hold its close forever.
    app.addHook('preClose', async () => {
      for (const stream of [...streams]) stream.end('server closing');
    });
  };
}
