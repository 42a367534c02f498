// The daemon's RPC surface: the operation table (application/contract/operations.ts) over a unix socket,
// one JSON line per request; bad input is a USAGE error and changes nothing.
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { DaemonUntrustedError, PolicyRefusedError, UsageError, toErrorPayload } from '../domain/errors.js';
import { invoke, isOperationName, type OperationContext } from '../application/contract/operations.js';
import type { FleetController } from '../application/fleet/fleet-controller.js';
import type { Logger } from '../infrastructure/logs/logger.js';
import { DaemonHandshake } from './daemon-handshake.js';
import { LineSplitter, LineTooLongError, parseRequest, type RpcResponse } from './rpc-protocol.js';

// A request line is refused past this size (a prompt of many MiB belongs in a file).
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const WORKER_OPERATIONS: ReadonlySet<string> = new Set(['ping', 'policyCheck', 'policyAnswer']);

export interface RpcHooks {
  // `stop`: the daemon shuts down after answering.
  readonly onStop: (killWorkers: boolean) => void;
}

export class RpcServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly context: OperationContext;
  private key = '';

  constructor(
    fleet: FleetController,
    private readonly logger: Logger,
    hooks: RpcHooks,
  ) {
    this.context = { fleet, stopDaemon: hooks.onStop };
  }

  // Listens on `socketPath` (in a directory only our user can enter; whatever stale file is there
  // is replaced). The socket is bound under umask 0177, so it is 0600 from its first instant: no
  // window between bind and chmod for another process to connect in.
  async listen(socketPath: string, key: string): Promise<void> {
    this.key = key;
    await rm(socketPath, { force: true });
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const umask = process.umask(0o177);
      try {
        server.listen(socketPath, () => resolve());
      } finally {
        process.umask(umask);
      }
    });
    this.server = server;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    const splitter = new LineSplitter(MAX_REQUEST_BYTES);
    const handshake = new DaemonHandshake(this.key);
    socket.on('data', (chunk: string) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch (error) {
        if (!(error instanceof LineTooLongError)) throw error;
        const limit = `${MAX_REQUEST_BYTES / 1024 / 1024} MiB`;
        this.refuse(socket, new UsageError(`a request is over ${limit}: send large input as a file`, {}));
        return;
      }
      for (const line of lines) {
        if (handshake.proven) {
          void this.handle(socket, line, handshake.worker);
          continue;
        }
        const step = handshake.take(line);
        if (step.reply) socket.write(`${JSON.stringify(step.reply)}\n`);
        if (step.refused) {
          this.logger.warn("refused a connection that did not prove it is this home's user");
          this.refuse(socket, new DaemonUntrustedError(step.refused, {}));
          return;
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  // A connection proven with a worker's key runs that worker's hook operations only: its agent
  // asks about its own tool calls and polls its own answers, and can neither answer them nor
  // reach any other operation or worker.
  private checkWorkerRequest(worker: string, method: string, params: unknown): void {
    const named = (params as { worker?: unknown } | null)?.worker;
    const own = named === worker || this.context.fleet.workers().find((w) => w.id === worker)?.name === named;
    if (!WORKER_OPERATIONS.has(method) || (method !== 'ping' && !own))
      throw new PolicyRefusedError(
        `a worker's key runs only its own hook checks (policyCheck, policyAnswer), not ${method}${own || method === 'ping' ? '' : ' for another worker'}`,
        { method, worker },
      );
  }

  // Answers once with the error, then hangs up: nothing more is read from that connection.
  private refuse(socket: Socket, error: Error): void {
    socket.removeAllListeners('data');
    if (!socket.destroyed) socket.end(`${JSON.stringify({ id: 0, error: toErrorPayload(error) })}\n`);
  }

  private async handle(socket: Socket, line: string, worker: string | null): Promise<void> {
    let id = 0;
    let response: RpcResponse;
    try {
      const request = parseRequest(line);
      id = request.id;
      const { method } = request;
      if (!isOperationName(method)) throw new UsageError(`unknown method ${method}`, { method });
      if (worker !== null) this.checkWorkerRequest(worker, method, request.params);
      response = { id, result: await invoke(this.context, method, request.params) };
    } catch (error) {
      const payload = toErrorPayload(error);
      if (payload.code === 'INTERNAL')
        this.logger.error('rpc failed', { error: String(error), stack: (error as Error).stack });
      response = { id, error: payload };
    }
    if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
  }
}
