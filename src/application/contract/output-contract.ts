// The machine-output contract in one place: what `result --json`, `status --json`, `run --json`
// (and report.json) and every `--json` error print, as zod schemas. `tmuxorch schema NAME` prints
// each as JSON Schema for scripts to check what they parse; the tests check every real output
// against them, strictly, so a field added to the output without its line here fails the suite.
// Add fields, never rename or remove one.
import { LOOP_VERDICTS, RUN_STATUSES, STEP_STATUSES } from '../../domain/workflow/workflow-run.js';
import type { FlowLine, RunView, StepView } from '../../domain/workflow/workflow-view.js';
import { z } from 'zod';
import type { BudgetView } from '../../domain/budget/budget-view.js';
import { ERROR_CODES } from '../../domain/errors.js';
import { RETENTION_KINDS } from '../../domain/retention/retention-plan.js';
import type { PruneReport } from '../retention/prune-home.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../domain/task.js';
import { AGENT_CONDITIONS, WORKER_MODES, WORKER_STATES } from '../../domain/worker.js';
import type { AgentResult } from '../../domain/agents/agent-output.js';
import type { JobReport, RunReport } from '../../domain/run/run-report.js';
import type { TestCounts } from '../../domain/run/test-counts.js';
import type { ErrorPayload } from '../../domain/errors.js';
import type { DaemonView, StatusView, TaskResult, WorkerView } from './views.js';

const isoTime = z.string().describe('an ISO 8601 time');

export const agentResultSchema = z.strictObject({
  text: z.string().nullable().describe("the agent's final answer"),
  sessionId: z.string().nullable().describe('the conversation id the next task continues'),
  costUsd: z.number().nullable(),
  isError: z.boolean().nullable().describe("the CLI's own verdict, where it gives one"),
  resetsAt: isoTime.nullable().describe('when a usage limit resets, when the CLI said'),
});

export const taskResultSchema = z.strictObject({
  id: z.string(),
  worker: z.string().describe("the worker's name"),
  status: z.enum(TASK_STATUSES),
  exitCode: z.number().int().nullable(),
  output: z.string().nullable().describe('null until the task has ended'),
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  durationMs: z.number().nullable(),
  command: z.string().describe('as stored: secrets cut out'),
  priority: z.enum(TASK_PRIORITIES),
  attempts: z.number().int(),
  reason: z.string().nullable(),
  prompt: z.string().nullable().describe("an agent task's prompt"),
  agent: agentResultSchema.nullable(),
});

export const workerViewSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  project: z.string(),
  state: z.enum([...WORKER_STATES, ...AGENT_CONDITIONS]),
  mode: z.enum(WORKER_MODES),
  role: z.string().describe("its role's name ('default': none)"),
  sandboxed: z.boolean().describe('its agent runs under bubblewrap'),
  model: z.string().nullable().describe("the model its agent runs (null: the CLI's default)"),
  awaitingApproval: z.string().nullable().describe('what it waits for a person to approve'),
  agentSessionId: z.string().nullable(),
  resumesAt: isoTime.nullable(),
  paneId: z.string().nullable(),
  restarts: z.number().int(),
  lastError: z.string().nullable(),
  queued: z.number().int(),
  runningTask: z.string().nullable(),
});

export const daemonViewSchema = z.strictObject({
  pid: z.number().int(),
  uptimeMs: z.number(),
  socket: z.string(),
  session: z.string(),
  home: z.string(),
  tmuxSocket: z.string().nullable(),
  version: z.string(),
  http: z.string().nullable().describe("the HTTP API's URL, when the daemon serves one"),
});

const gateStates = z.enum(['waiting', 'approved', 'denied']);

export const flowStepSchema = z.strictObject({
  id: z.string().describe('the step id, or <step>-<n> for the n-th matrix instance'),
  status: z.enum(STEP_STATUSES),
  attempts: z.number().int(),
  iteration: z.number().int().describe('the loop iteration it last ran in (0: not in a loop)'),
  worker: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  verdict: z.enum(LOOP_VERDICTS).nullable().describe("a loop's, once it has ended"),
  outputs: z.record(z.string(), z.string()).describe('declared outputs: name → path'),
  gate: z
    .strictObject({
      state: gateStates,
      kind: z.enum(['gate', 'ask_human', 'limit', 'merge', 'diverged']),
      message: z.string(),
      hashes: z.record(z.string(), z.string()).describe('sha256 of each artifact shown'),
    })
    .nullable(),
  reason: z.string().nullable(),
  summary: z.string().nullable(),
  workspace: z.string().nullable(),
  branch: z.string().nullable(),
  violations: z.array(z.string()).describe('paths its role did not allow it to change (policy_violation)'),
  secretsRedacted: z.number().int().describe('secrets found in what it left, and redacted there'),
});

export const flowRunSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(RUN_STATUSES),
  mode: z.enum(['manual', 'auto']),
  project: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  inputs: z.record(z.string(), z.unknown()),
  reason: z.string().nullable(),
  gate: z
    .strictObject({ state: gateStates, message: z.string() })
    .nullable()
    .describe("the run's own (a limit)"),
  steps: z.array(flowStepSchema),
  costUsd: z.number(),
  agentTurns: z.number().int(),
});

export const flowLineSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(RUN_STATUSES),
  running: z.array(z.string()),
  waiting: z.array(z.string()).describe('steps at a gate'),
});

export const statusViewSchema = z.strictObject({
  daemon: daemonViewSchema,
  workers: z.array(workerViewSchema),
  tasks: z.array(taskResultSchema).describe('the latest 50, output = its last 4 KiB'),
  workflows: z.array(flowLineSchema).describe('the runs in progress'),
});

export const testCountsSchema = z.strictObject({
  passed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  runner: z.enum(['vitest', 'jest', 'mocha', 'node:test', 'pytest', 'go', 'cargo']),
});

export const jobReportSchema = z.strictObject({
  name: z.string(),
  project: z.string(),
  command: z.string(),
  type: z.string(),
  status: z.enum([...TASK_STATUSES.filter((s) => s !== 'queued' && s !== 'running'), 'skipped']),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.number().int(),
  tests: testCountsSchema.nullable(),
  outputFile: z.string().nullable(),
  reason: z.string().nullable(),
  agent: agentResultSchema.nullable(),
  worker: z.string().nullable(),
  taskIds: z.array(z.string()),
});

export const runReportSchema = z.strictObject({
  runId: z.string(),
  runDir: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  durationMs: z.number(),
  interrupted: z.boolean(),
  jobs: z.array(jobReportSchema),
  passed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
});

const retentionKind = z.enum(RETENTION_KINDS);

// `prune --json` (application/retention/prune-home.ts).
export const pruneReportSchema = z.strictObject({
  dryRun: z.boolean().describe('true: nothing was removed, `removed` is what would go'),
  removed: z.array(
    z.strictObject({
      kind: retentionKind,
      id: z.string(),
      path: z.string(),
      bytes: z.number().int(),
      ageMs: z.number().describe('how long ago it finished'),
      reason: z.string().describe('the rule it went by'),
    }),
  ),
  kept: z.array(
    z.strictObject({
      kind: retentionKind,
      id: z.string(),
      path: z.string(),
      reason: z.string(),
      held: z.boolean().describe('unfinished or holding unmerged work: it stays under any rule'),
    }),
  ),
  freedBytes: z.number().int(),
  failed: z.number().int().describe('removals that failed (each is in kept, with why)'),
  rules: z.strictObject({
    maxAgeMs: z.number().nullable(),
    keepRuns: z.number().int().nullable(),
    maxBytes: z.number().int().nullable(),
    workerLogMaxAgeMs: z.number().nullable(),
  }),
});

export const errorOutputSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES as [ErrorPayload['code'], ...ErrorPayload['code'][]]),
    message: z.string().describe('one sentence'),
    details: z.record(z.string(), z.unknown()).describe('safe facts only, never secrets'),
  }),
});

const budgetUseSchema = z.strictObject({
  used: z.number(),
  limit: z.number().nullable().describe('null: no limit'),
});
const budgetLineShape = {
  costUsd: budgetUseSchema.describe('the cost the agents reported, in USD'),
  agentCalls: budgetUseSchema.describe('agent calls: each attempt of an agent task'),
  reached: z.string().nullable().describe('the limit reached (new agent work waits), or null'),
};
export const budgetViewSchema = z.strictObject({
  day: z.string(),
  timeZone: z.string(),
  fleet: z.strictObject(budgetLineShape),
  projects: z.array(
    z.strictObject({
      ...budgetLineShape,
      project: z.string(),
      glob: z.string().nullable().describe('the budget.projects glob that set its limit; null: perProject'),
    }),
  ),
  waiting: z.array(
    z.strictObject({
      worker: z.string(),
      taskId: z.string().nullable(),
      since: z.string(),
      reason: z.string(),
    }),
  ),
});

export const OUTPUT_SCHEMAS = {
  result: taskResultSchema,
  status: statusViewSchema,
  run: runReportSchema,
  flow: flowRunSchema,
  error: errorOutputSchema,
  budget: budgetViewSchema,
  prune: pruneReportSchema,
} as const;

export type OutputName = keyof typeof OUTPUT_SCHEMAS;

// The JSON Schema of one output, for `tmuxorch schema NAME`.
export function outputJsonSchema(name: OutputName): Record<string, unknown> {
  return {
    title: `tmuxorch ${name} --json`,
    ...z.toJSONSchema(OUTPUT_SCHEMAS[name], { io: 'output' }),
  };
}

// Compile-time: the schemas and the types the code builds the outputs from are the same shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
type Plain<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
const shapesAgree: [
  Same<z.infer<typeof agentResultSchema>, Plain<AgentResult>>,
  Same<z.infer<typeof taskResultSchema>, Plain<TaskResult>>,
  Same<z.infer<typeof workerViewSchema>['mode'], WorkerView['mode']>,
  Same<z.infer<typeof daemonViewSchema>, Plain<DaemonView>>,
  Same<keyof z.infer<typeof statusViewSchema>, keyof StatusView>,
  Same<keyof z.infer<typeof workerViewSchema>, keyof WorkerView>,
  Same<z.infer<typeof testCountsSchema>, Plain<TestCounts>>,
  Same<keyof z.infer<typeof jobReportSchema>, keyof JobReport>,
  Same<keyof z.infer<typeof runReportSchema>, keyof RunReport>,
  Same<keyof z.infer<typeof flowRunSchema>, keyof RunView>,
  Same<keyof z.infer<typeof flowStepSchema>, keyof StepView>,
  Same<keyof z.infer<typeof flowLineSchema>, keyof FlowLine>,
  Same<keyof z.infer<typeof budgetViewSchema>, keyof BudgetView>,
  Same<keyof z.infer<typeof pruneReportSchema>, keyof PruneReport>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void shapesAgree;
