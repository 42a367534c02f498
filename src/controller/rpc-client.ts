// The CLI's side of the daemon socket. Errors come back as {code,message,details} and are rebuilt
// as typed errors, so the CLI treats local and remote failures alike.
import { connect, type Socket } from 'node:net';
import { DaemonNotRunningError, fromErrorPayload, isErrorCode } from '../domain/errors.js';
import { LineSplitter } from './json-lines.js';

interface WireResponse {
  id: number;
  result?: unknown;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

// The daemon is ours, but its answers still cross a process boundary: check their shape. (Plain
// checks, not zod: every CLI call loads this file, and zod costs ~100 ms of start-up.)
function parseResponse(line: string): WireResponse | null {
  const value: unknown = JSON.parse(line);
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (typeof record.id !== 'number') return null;
  const error = record.error as Record<string, unknown> | undefined;
  if (error !== undefined && (typeof error.code !== 'string' || typeof error.message !== 'string'))
    return null;
  return record as unknown as WireResponse;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly socketPath: string,
  ) {
    const splitter = new LineSplitter();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) this.onLine(line);
    });
    socket.on('close', () =>
      this.failAll('the tmuxorch daemon closed the connection (it stopped or restarted)'),
    );
    socket.on('error', () => undefined);
  }

  // Connects, or fails with DAEMON_NOT_RUNNING.
  static connect(socketPath: string, timeoutMs = 2_000): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new DaemonNotRunningError('the tmuxorch daemon did not answer: run tmuxorch start', {
            socket: socketPath,
          }),
        );
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RpcClient(socket, socketPath));
      });
      socket.once('error', () => {
        clearTimeout(timer);
        reject(
          new DaemonNotRunningError('the tmuxorch daemon is not running: run tmuxorch start', {
            socket: socketPath,
          }),
        );
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  call<T>(method: string, params?: unknown): Promise<T> {
    if (this.closed)
      return Promise.reject(new DaemonNotRunningError('the connection to the daemon is closed', {}));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
  }

  private onLine(line: string): void {
    let parsed: WireResponse | null;
    try {
      parsed = parseResponse(line);
    } catch {
      return;
    }
    if (!parsed) return;
    const pending = this.pending.get(parsed.id);
    if (!pending) return;
    this.pending.delete(parsed.id);
    if (parsed.error) {
      const code = isErrorCode(parsed.error.code) ? parsed.error.code : 'INTERNAL';
      pending.reject(
        fromErrorPayload({ code, message: parsed.error.message, details: parsed.error.details ?? {} }),
      );
    } else pending.resolve(parsed.result);
  }

  private failAll(message: string): void {
    this.closed = true;
    for (const pending of this.pending.values()) pending.reject(new DaemonNotRunningError(message, {}));
    this.pending.clear();
  }
}
