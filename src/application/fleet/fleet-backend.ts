// What a fleet offers a script, wherever it runs: in this process (an ephemeral fleet) or in the
// daemon, over its socket. `runParallel` and the TypeScript API's `Fleet` are written against this.
import type { AddWorkerInput, SendInput } from './fleet-controller.js';
import type { HealthReport } from '../workers/health-monitor.js';
import type { StatusView, TaskResult, WorkerView } from '../contract/views.js';

export interface FleetBackend {
  addWorker(input: AddWorkerInput): Promise<WorkerView>;
  removeWorker(worker: string, options?: { keepPane?: boolean }): Promise<WorkerView>;
  send(input: SendInput): Promise<TaskResult>;
  // Resolves once the task has ended, whatever its final status.
  wait(taskId: string): Promise<TaskResult>;
  result(taskId: string): Promise<TaskResult>;
  cancel(taskId: string): Promise<TaskResult>;
  workers(): Promise<WorkerView[]>;
  status(): Promise<StatusView>;
  healthCheck(): Promise<HealthReport>;
  // Lets go of the fleet: an ephemeral one is shut down (its session closed unless keepWorkers);
  // the daemon's goes on.
  close(options?: { keepWorkers?: boolean }): Promise<void>;
}
