// The daemon's RPC surface: one explicit table of methods, each taking its operation's declared input
// (bad input is a USAGE error and changes nothing).
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { DaemonUntrustedError, UsageError, toErrorPayload } from '../domain/errors.js';
import { parseInput, type OperationInput, type OperationName } from '../application/operation-inputs.js';
import type { FleetController } from '../application/fleet-controller.js';
import type { Logger } from '../infrastructure/logs/logger.js';
import { DaemonHandshake } from './daemon-handshake.js';
import { LineSplitter, LineTooLongError, parseRequest, type RpcResponse } from './rpc-protocol.js';

// A request line is refused past this size (a prompt of many MiB belongs in a file).
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

interface Method<N extends OperationName> {
  readonly run: (fleet: FleetController, params: OperationInput<N>) => Promise<unknown> | unknown;
}

// Each method takes its operation's declared input (operation-inputs.ts), checked before it runs.
function method<N extends OperationName>(_name: N, run: Method<N>['run']): Method<N> {
  return { run };
}

export interface RpcHooks {
  // `stop`: the daemon shuts down after answering.
  readonly onStop: (killWorkers: boolean) => void;
}

export function methodTable(hooks: RpcHooks) {
  return {
    ping: method('ping', async (fleet) => (await fleet.status({ withOutput: false })).daemon),
    status: method('status', (fleet, p) => fleet.status({ withOutput: p?.withOutput ?? true })),
    list: method('list', (fleet) => fleet.workers()),
    addWorker: method('addWorker', (fleet, p) => fleet.addWorker(p)),
    approve: method('approve', (fleet, p) => fleet.answer(p.worker, true)),
    deny: method('deny', (fleet, p) => fleet.answer(p.worker, false)),
    removeWorker: method('removeWorker', (fleet, p) =>
      fleet.removeWorker(p.worker, { keepPane: p.keepPane ?? false }),
    ),
    send: method('send', (fleet, p) => fleet.send(p)),
    wait: method('wait', (fleet, p) => fleet.wait(p.id)),
    result: method('result', (fleet, p) => fleet.result(p.id)),
    cancel: method('cancel', (fleet, p) => fleet.cancel(p.id)),
    healthCheck: method('healthCheck', (fleet) => fleet.healthCheck()),
    revive: method('revive', (fleet, p) => fleet.revive(p.worker)),
    capture: method('capture', (fleet, p) => fleet.capture(p.worker, p.lines ?? 0)),
    logFile: method('logFile', (fleet, p) => fleet.logFileOf(p.target)),
    stop: method('stop', (_fleet, p) => {
      hooks.onStop(p?.killWorkers ?? false);
      return { stopping: true };
    }),
  } as const satisfies { [N in OperationName]: Method<N> };
}

// The table as the server dispatches it: by a name from the wire, its input checked first.
interface AnyMethod {
  readonly run: (fleet: FleetController, params: unknown) => Promise<unknown> | unknown;
}

export type MethodName = keyof ReturnType<typeof methodTable>;

export class RpcServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly table: Record<string, AnyMethod>;
  private key = '';

  constructor(
    private readonly fleet: FleetController,
    private readonly logger: Logger,
    hooks: RpcHooks,
  ) {
    this.table = methodTable(hooks) as unknown as Record<string, AnyMethod>;
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
          void this.handle(socket, line);
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

  // Answers once with the error, then hangs up: nothing more is read from that connection.
  private refuse(socket: Socket, error: Error): void {
    socket.removeAllListeners('data');
    if (!socket.destroyed) socket.end(`${JSON.stringify({ id: 0, error: toErrorPayload(error) })}\n`);
  }

  private async handle(socket: Socket, line: string): Promise<void> {
    let id = 0;
    let response: RpcResponse;
    try {
      const request = parseRequest(line);
      id = request.id;
      const entry = Object.hasOwn(this.table, request.method) ? this.table[request.method] : undefined;
      if (!entry) throw new UsageError(`unknown method ${request.method}`, { method: request.method });
      const params = parseInput(request.method as OperationName, request.params);
      response = { id, result: await entry.run(this.fleet, params) };
    } catch (error) {
      const payload = toErrorPayload(error);
      if (payload.code === 'INTERNAL')
        this.logger.error('rpc failed', { error: String(error), stack: (error as Error).stack });
      response = { id, error: payload };
    }
    if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
  }
}
