// The CLI's side of the daemon socket. Errors come back as {code,message,details} and are rebuilt
// as typed errors, so the CLI treats local and remote failures alike.
import { lstatSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import {
  DaemonNotRunningError,
  DaemonUntrustedError,
  HomeUnsafeError,
  fromErrorPayload,
  isErrorCode,
} from '../domain/errors.js';
import { assertPrivateDir } from '../infrastructure/fs/private-dir.js';
import {
  newNonce,
  NONCE_PATTERN,
  proofMatches,
  proofOf,
  readDaemonKey,
} from '../infrastructure/ipc/peer-proof.js';
import { LineSplitter } from './json-lines.js';

// Where a home's daemon listens, and the key it proves itself with (HomePaths has both).
export interface DaemonEndpoint {
  readonly socketFile: string;
  readonly daemonKeyFile: string;
  // A worker's hook connects as that worker, proving with its own key (peer-proof.ts).
  readonly worker?: { readonly id: string; readonly keyFile: string } | undefined;
}

// The socket must be in a directory only we can enter, and be a socket of ours: never talk to
// what another user made (it could be listening for our secrets).
function checkSocket(socketPath: string): void {
  const dir = dirname(socketPath);
  let stats;
  try {
    lstatSync(dir);
    assertPrivateDir(dir, 'socket directory');
    stats = lstatSync(socketPath);
  } catch (error) {
    if (error instanceof HomeUnsafeError) throw error;
    throw new DaemonNotRunningError('the tmuxorch daemon is not running: run tmuxorch start', {
      socket: socketPath,
    });
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : stats.uid;
  if (!stats.isSocket() || stats.uid !== uid)
    throw new HomeUnsafeError(
      `${socketPath} is not a socket of yours: remove it (a daemon of yours makes a new one at start)`,
      { socket: socketPath },
    );
}

// The client's side of the handshake: our nonce → the daemon's nonce and proof (checked) → our
// proof. Requests may follow at once; the daemon reads them only after our proof.
function proveBothEnds(
  socket: Socket,
  socketPath: string,
  splitter: LineSplitter,
  key: string,
  timeoutMs: number,
  notRunning: (why: string) => Error,
  worker: string | null,
): Promise<void> {
  const clientNonce = newNonce();
  return new Promise<void>((resolve, reject) => {
    const untrusted = new DaemonUntrustedError(
      `what listens on ${socketPath} did not prove it is this home's daemon: stop it, then run tmuxorch start`,
      { socket: socketPath },
    );
    const timer = setTimeout(() => finish(notRunning('did not answer')), timeoutMs);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onClose = (): void => finish(notRunning('closed the connection'));
    const onData = (chunk: string): void => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch {
        return finish(untrusted);
      }
      const first = lines[0];
      if (first === undefined) return;
      let hello: { nonce?: unknown; proof?: unknown } | undefined;
      try {
        hello = (JSON.parse(first) as { hello?: { nonce?: unknown; proof?: unknown } }).hello;
      } catch {
        hello = undefined;
      }
      const daemonNonce = typeof hello?.nonce === 'string' ? hello.nonce : '';
      if (
        !NONCE_PATTERN.test(daemonNonce) ||
        !proofMatches(proofOf(key, 'daemon', clientNonce, daemonNonce), hello?.proof)
      )
        return finish(untrusted);
      socket.write(
        `${JSON.stringify({ auth: { proof: proofOf(key, 'client', clientNonce, daemonNonce) } })}\n`,
      );
      finish();
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(
      `${JSON.stringify({ hello: { nonce: clientNonce, ...(worker === null ? {} : { worker }) } })}\n`,
    );
  });
}

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
    splitter: LineSplitter,
  ) {
    socket.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) this.onLine(line);
    });
    socket.on('close', () =>
      this.failAll('the tmuxorch daemon closed the connection (it stopped or restarted)'),
    );
    socket.on('error', () => undefined);
  }

  // Connects and proves both ends (peer-proof.ts), or fails with DAEMON_NOT_RUNNING, or
  // DAEMON_UNTRUSTED when what listens there is not the home's daemon.
  static async connect(endpoint: DaemonEndpoint, timeoutMs = 2_000): Promise<RpcClient> {
    const socketPath = endpoint.socketFile;
    const notRunning = (why: string): DaemonNotRunningError =>
      new DaemonNotRunningError(`the tmuxorch daemon ${why}: run tmuxorch start`, { socket: socketPath });
    checkSocket(socketPath);
    const key = readDaemonKey(endpoint.worker?.keyFile ?? endpoint.daemonKeyFile);
    if (key === null) throw notRunning('is not running');
    const socket = await new Promise<Socket>((resolve, reject) => {
      const attempt = connect(socketPath);
      const timer = setTimeout(() => {
        attempt.destroy();
        reject(notRunning('did not answer'));
      }, timeoutMs);
      attempt.once('connect', () => {
        clearTimeout(timer);
        resolve(attempt);
      });
      attempt.once('error', () => {
        clearTimeout(timer);
        reject(notRunning('is not running'));
      });
    });
    const splitter = new LineSplitter();
    socket.setEncoding('utf8');
    try {
      await proveBothEnds(
        socket,
        socketPath,
        splitter,
        key,
        timeoutMs,
        notRunning,
        endpoint.worker?.id ?? null,
      );
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return new RpcClient(socket, socketPath, splitter);
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
