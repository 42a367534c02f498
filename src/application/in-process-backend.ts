// A fleet controller running in this process as a FleetBackend: what `tmuxorch run` uses when no
// daemon is running, and what `Fleet.ephemeral()` gives a script.
import type { FleetBackend } from './fleet-backend.js';
import type { AddWorkerInput, FleetController, SendInput } from './fleet-controller.js';
import type { HealthReport } from './health-monitor.js';
import type { StatusView, TaskResult, WorkerView } from './views.js';

export class InProcessBackend implements FleetBackend {
  private closing: Promise<void> | null = null;

  constructor(readonly controller: FleetController) {}

  addWorker(input: AddWorkerInput): Promise<WorkerView> {
    return this.controller.addWorker(input);
  }

  removeWorker(worker: string, options: { keepPane?: boolean } = {}): Promise<WorkerView> {
    return this.controller.removeWorker(worker, options);
  }

  send(input: SendInput): Promise<TaskResult> {
    return this.controller.send(input);
  }

  wait(taskId: string): Promise<TaskResult> {
    return this.controller.wait(taskId);
  }

  result(taskId: string): Promise<TaskResult> {
    return this.controller.result(taskId);
  }

  cancel(taskId: string): Promise<TaskResult> {
    return this.controller.cancel(taskId);
  }

  workers(): Promise<WorkerView[]> {
    return Promise.resolve(this.controller.workers());
  }

  status(): Promise<StatusView> {
    return this.controller.status();
  }

  healthCheck(): Promise<HealthReport> {
    return this.controller.healthCheck();
  }

  // The session and every pane in it go too, unless the caller wants to look at them.
  close(options: { keepWorkers?: boolean } = {}): Promise<void> {
    this.closing ??= this.controller.shutdown({ killWorkers: options.keepWorkers !== true });
    return this.closing;
  }
}
