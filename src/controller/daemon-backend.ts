// The daemon's fleet as a FleetBackend, over its socket. One connection carries every call (the
// daemon answers them concurrently); if the daemon restarts while a task is awaited, the wait
// reconnects and goes on: the task keeps running in its pane and the new daemon collects it.
import { DaemonNotRunningError } from '../domain/errors.js';
import { OperationBackend } from '../application/fleet/operation-backend.js';
import type { OperationName, OperationRequest } from '../application/contract/operation-inputs.js';
import type { OperationOutput } from '../application/contract/operations.js';
import type { TaskResult } from '../application/contract/views.js';
import { RpcClient, type DaemonEndpoint } from './rpc-client.js';

const RECONNECT_FOR_MS = 30_000;
const RECONNECT_EVERY_MS = 250;

export class DaemonBackend extends OperationBackend {
  private client: Promise<RpcClient>;
  private closed = false;

  private constructor(
    readonly endpoint: DaemonEndpoint,
    client: Promise<RpcClient>,
  ) {
    super();
    this.client = client;
    client.catch(() => undefined);
  }

  // Fails with DAEMON_NOT_RUNNING when no daemon answers on the socket.
  static async connect(endpoint: DaemonEndpoint): Promise<DaemonBackend> {
    return new DaemonBackend(endpoint, Promise.resolve(await RpcClient.connect(endpoint)));
  }

  // Connects on first use: for a wait that should outlast a daemon restart from the start.
  static lazy(endpoint: DaemonEndpoint): DaemonBackend {
    return new DaemonBackend(endpoint, RpcClient.connect(endpoint));
  }

  // The connection, made anew when the daemon went away since the last call (it may have
  // restarted); concurrent callers share one reconnection.
  private async connection(): Promise<RpcClient> {
    const promise = this.client;
    const current = await promise.catch(() => null);
    if (current && !current.isClosed) return current;
    if (this.closed) throw new DaemonNotRunningError('the connection to the daemon is closed', {});
    if (this.client === promise) this.client = RpcClient.connect(this.endpoint);
    return this.client;
  }

  async call<N extends OperationName>(name: N, input: OperationRequest<N>): Promise<OperationOutput<N>> {
    return (await this.connection()).call<OperationOutput<N>>(name, input);
  }

  // A wait outlasts a daemon restart: it reconnects and asks again.
  override async wait(taskId: string): Promise<TaskResult> {
    let lostAt: number | null = null;
    for (;;) {
      try {
        return await this.call('wait', { id: taskId });
      } catch (error) {
        if (!(error instanceof DaemonNotRunningError) || this.closed) throw error;
        lostAt ??= Date.now();
        if (Date.now() - lostAt > RECONNECT_FOR_MS) {
          throw new DaemonNotRunningError(
            `the tmuxorch daemon stopped while waiting for ${taskId}; the task goes on in its pane: run tmuxorch start, then tmuxorch result ${taskId}`,
            { task: taskId },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_EVERY_MS));
      }
    }
  }

  // The daemon and its workers go on; only this connection ends.
  async close(): Promise<void> {
    this.closed = true;
    (await this.client.catch(() => null))?.close();
  }
}
