// The CLI's side of the daemon socket. Errors come back as {code,message,details} and are rebuilt
// as typed errors, so the CLI treats local and remote failures alike.
import { connect, type Socket } from 'node:net';
import { DaemonNotRunningError, fromErrorPayload, isErrorCode } from '../domain/errors.js';
import { LineSplitter, responseSchema } from './rpc-protocol.js';

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
    let parsed;
    try {
      parsed = responseSchema.parse(JSON.parse(line));
    } catch {
      return;
    }
    const pending = this.pending.get(parsed.id);
    if (!pending) return;
    this.pending.delete(parsed.id);
    if (parsed.error) {
      const code = isErrorCode(parsed.error.code) ? parsed.error.code : 'INTERNAL';
      pending.reject(
        fromErrorPayload({ code, message: parsed.error.message, details: parsed.error.details }),
      );
    } else pending.resolve(parsed.result);
  }

  private failAll(message: string): void {
    this.closed = true;
    for (const pending of this.pending.values()) pending.reject(new DaemonNotRunningError(message, {}));
    this.pending.clear();
  }
}
