// A fleet reached through the operation table (operations.ts): in this process (InProcessBackend)
// or in the daemon over its socket (DaemonBackend). Each offers `call`, by operation name; the
// FleetBackend methods that `runParallel` and the `Fleet` API use are the same calls, written
// once here.
import type { FleetBackend } from './fleet-backend.js';
import type { AddWorkerInput, SendInput } from './fleet-controller.js';
import type { HealthReport } from '../workers/health-monitor.js';
import type { OperationName, OperationRequest } from '../contract/operation-inputs.js';
import type { OperationOutput } from '../contract/operations.js';
import type { StatusView, TaskResult, WorkerView } from '../contract/views.js';

export abstract class OperationBackend implements FleetBackend {
  abstract call<N extends OperationName>(name: N, input: OperationRequest<N>): Promise<OperationOutput<N>>;

  abstract close(options?: { keepWorkers?: boolean }): Promise<void>;

  addWorker(input: AddWorkerInput): Promise<WorkerView> {
    return this.call('addWorker', input);
  }

  removeWorker(worker: string, options: { keepPane?: boolean } = {}): Promise<WorkerView> {
    return this.call('removeWorker', { ...options, worker });
  }

  send(input: SendInput): Promise<TaskResult> {
    return this.call('send', input);
  }

  wait(taskId: string): Promise<TaskResult> {
    return this.call('wait', { id: taskId });
  }

  result(taskId: string): Promise<TaskResult> {
    return this.call('result', { id: taskId });
  }

  cancel(taskId: string): Promise<TaskResult> {
    return this.call('cancel', { id: taskId });
  }

  workers(): Promise<WorkerView[]> {
    return this.call('list', {});
  }

  status(): Promise<StatusView> {
    return this.call('status', { withOutput: true });
  }

  healthCheck(): Promise<HealthReport> {
    return this.call('healthCheck', {});
  }
}
