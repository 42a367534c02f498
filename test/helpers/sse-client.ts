// A small server-sent-events client for the /events tests: parses frames (id, event, data,
// comments) as they arrive and can wait for a number of them.
import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseFrame {
  readonly id: string | null;
  readonly event: string | null;
  readonly data: string | null;
  readonly comments: readonly string[];
}

export interface SseClient {
  readonly response: IncomingMessage;
  readonly frames: SseFrame[];
  // Frames with data (events), as parsed JSON.
  events<T = { id: number; type: string }>(): T[];
  waitFor(predicate: (frames: readonly SseFrame[]) => boolean, timeoutMs?: number): Promise<void>;
  readonly ended: Promise<void>;
  close(): void;
}

export function connectSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(
      url,
      { headers: { accept: 'text/event-stream', ...headers } },
      (response) => {
        const frames: SseFrame[] = [];
        const waiters = new Set<() => void>();
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id: string | null = null;
            let event: string | null = null;
            let data: string | null = null;
            const comments: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: '))
                data = data === null ? line.slice(6) : `${data}\n${line.slice(6)}`;
            }
            frames.push({ id, event, data, comments });
          }
          for (const waiter of waiters) waiter();
        });
        const ended = new Promise<void>((done) => {
          response.on('end', done);
          response.on('close', done);
          response.on('error', () => done());
        });
        resolve({
          response,
          frames,
          events<T>() {
            return frames
              .filter((f) => f.data !== null && f.event !== 'reset')
              .map((f) => JSON.parse(f.data ?? '') as T);
          },
          waitFor(predicate, timeoutMs = 10_000) {
            return new Promise<void>((done, fail) => {
              const check = (): void => {
                if (!predicate(frames)) return;
                clearTimeout(timer);
                waiters.delete(check);
                done();
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(
                  new Error(
                    `SSE: condition not met within ${timeoutMs} ms; ${frames.length} frames, the last: ${JSON.stringify(frames.slice(-3))}`,
                  ),
                );
              }, timeoutMs);
              waiters.add(check);
              check();
            });
          },
          ended,
          close() {
            req.destroy();
            response.destroy();
          },
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
