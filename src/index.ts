// The TypeScript API: the application layer the CLI is built on.
export { FleetController, type AddWorkerInput, type SendInput } from './application/fleet-controller.js';
export { FleetRuntime, type RuntimeOptions } from './application/fleet-runtime.js';
export type { HealthReport } from './application/health-monitor.js';
export type { DaemonView, StatusView, TaskResult, WorkerView } from './application/views.js';
export { loadSettings, resolveSettings, type Settings } from './infrastructure/config/settings.js';
export { RpcClient } from './controller/rpc-client.js';
export { startDaemon, stopDaemon, pingDaemon } from './controller/daemon-launcher.js';
export * from './domain/errors.js';
export type { Task, TaskPriority, TaskStatus } from './domain/task.js';
export type { Worker, WorkerState, WorkerType } from './domain/worker.js';
export { openFleet, type OpenFleetOptions } from './application/open-fleet.js';
