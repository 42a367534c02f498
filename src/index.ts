// The TypeScript API, what `import … from 'tmuxorch'` gives a script: the `Fleet` (the daemon's,
// or one of its own), the shapes it returns and takes, the typed errors, and the published
// output schemas. The wiring (controller, runtime, RPC client, settings) stays inside.
export {
  Fleet,
  type EphemeralFleetOptions,
  type FleetOptions,
  type RunOptions,
  type WorkflowRunOptions,
} from './controller/fleet.js';
export type { FlowLine, RunSummary, RunView, StepView } from './domain/workflow/workflow-view.js';
export type { AddWorkerInput, SendInput } from './application/fleet/fleet-controller.js';
export type { HealthReport } from './application/workers/health-monitor.js';
export type { LayerView, RoleView } from './domain/policy/enforcement.js';
export type { DaemonView, StatusView, TaskResult, WorkerView } from './application/contract/views.js';
export type { JobSpec } from './application/runs/job-spec.js';
export type { RunEvent } from './application/runs/parallel-run.js';
export type { RunJob, JobStatus } from './domain/run/run-job.js';
export type { JobReport, RunReport } from './domain/run/run-report.js';
export type { TestCounts } from './domain/run/test-counts.js';
export type { Task, TaskPriority, TaskStatus } from './domain/task.js';
export type { Worker, WorkerState, WorkerType } from './domain/worker.js';
export type { AgentResult } from './domain/agents/agent-output.js';
export * from './domain/errors.js';
export { OPERATION_NAMES } from './application/contract/operations.js';
export type { OperationName } from './application/contract/operation-inputs.js';
export type { PruneReport, PruneRules } from './application/retention/prune-home.js';
export type { PlannedKeep, PlannedRemoval, RetentionKind } from './domain/retention/retention-plan.js';
export { OUTPUT_SCHEMAS, outputJsonSchema, type OutputName } from './application/contract/output-contract.js';
