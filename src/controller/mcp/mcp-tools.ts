// The MCP tools, generated from the operation table (application/contract/operations.ts): each
// tool names the operation(s) it runs, takes its input schema from theirs (operation-inputs.ts)
// and its description from their summaries. What an agent needs to run and watch subtasks: `run`
// (a task on a worker, or a workflow in a project) returns an id at once, and `wait` polls for at
// most `timeoutSeconds` (≤ 50, under every MCP host's tool timeout) and says "still running" with
// the progress, so no tool call blocks past its host's patience.
// Scope: a `read` caller gets the tools that change nothing; `operate` (and `admin`) all of them.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../domain/errors.js';
import { isTerminal } from '../../domain/task.js';
import type { RunView } from '../../domain/workflow/workflow-view.js';
import {
  operationInputs,
  type OperationName,
  type OperationRequest,
} from '../../application/contract/operation-inputs.js';
import { operations, type OperationOutput } from '../../application/contract/operations.js';
import type { TaskResult } from '../../application/contract/views.js';
import { readLogTail, readRunFile } from './mcp-files.js';

export type McpScope = 'read' | 'operate' | 'admin';

// One operation of the fleet, by name: the daemon over its socket (DaemonBackend.call) or the
// fleet in this process (invoke).
export type OperationCall = <N extends OperationName>(
  name: N,
  input: OperationRequest<N>,
) => Promise<OperationOutput<N>>;

export interface McpToolContext {
  readonly call: OperationCall;
  // Where the workflow runs' directories are (report.md, logs.txt): the daemon's machine is this one.
  readonly flowsDir: string;
  // Relative paths (a workflow file, a project) are resolved against this; absent (HTTP): only
  // absolute paths are taken.
  readonly cwd: string | null;
  // For tests: how long `wait` sleeps between two looks.
  readonly pollMs?: number;
}

export interface McpTool {
  readonly name: string;
  // The operations it runs (every one in the operation table).
  readonly operations: readonly OperationName[];
  readonly scope: 'read' | 'operate';
  readonly description: string;
  readonly inputSchema: z.ZodObject;
  readonly run: (ctx: McpToolContext, args: unknown) => Promise<ToolAnswer>;
}

// What a tool answers: a sentence for the model to read first (optional) and the value as JSON.
export interface ToolAnswer {
  readonly summary: string | null;
  readonly value: Record<string, unknown>;
}

const SCOPE_RANK: Record<McpScope, number> = { read: 0, operate: 1, admin: 2 };

export function scopeAllows(granted: McpScope, needed: McpTool['scope']): boolean {
  return SCOPE_RANK[granted] >= SCOPE_RANK[needed];
}

function tool<S extends z.ZodObject>(spec: {
  name: string;
  operations: readonly OperationName[];
  scope: McpTool['scope'];
  // What the tool adds to its operations' summaries (null: their summaries say it).
  lead: string | null;
  inputSchema: S;
  run: (ctx: McpToolContext, input: z.output<S>) => Promise<ToolAnswer>;
}): McpTool {
  const summaries = spec.operations.map((name) => `${name}: ${operations[name].summary}`);
  return {
    name: spec.name,
    operations: spec.operations,
    scope: spec.scope,
    description: [spec.lead, ...summaries].filter((s) => s !== null).join('. '),
    inputSchema: spec.inputSchema,
    run: (ctx, args) => spec.run(ctx, spec.inputSchema.parse(args)),
  };
}

// Task ids are `t-…` (task-runner.ts); run ids are lower-case words (workflow-engine.ts).
export function kindOf(id: string): 'task' | 'run' {
  return id.startsWith('t-') ? 'task' : 'run';
}

function asRecord(value: object): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  Object.assign(record, value);
  return record;
}

function pathFrom(ctx: McpToolContext, path: string, what: string): string {
  if (isAbsolute(path)) return path;
  if (ctx.cwd === null) throw new UsageError(`bad ${what}: must be an absolute path`, { field: what });
  return resolve(ctx.cwd, path);
}

const idInput = z.object({
  id: z.string().min(1, 'must not be empty').describe('a task id (t-…) or a workflow run id'),
});

const RUN_DONE: ReadonlySet<RunView['status']> = new Set(['succeeded', 'failed', 'cancelled']);
const STEP_DONE: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export const WAIT_MAX_SECONDS = 50;
export const WAIT_DEFAULT_SECONDS = 20;

function elapsedSince(start: string | null, end: string | null): number | null {
  if (start === null) return null;
  return Math.max(0, (end === null ? Date.now() : Date.parse(end)) - Date.parse(start));
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

// Where a task or a run stands, with the sentence `wait` and `status` lead with.
function taskProgress(task: TaskResult): ToolAnswer {
  const done = isTerminal(task.status);
  const elapsedMs = elapsedSince(task.startedAt, task.finishedAt);
  const summary = done
    ? `task ${task.id} ${task.status} (exit ${task.exitCode ?? '-'}, ${seconds(elapsedMs)})`
    : task.status === 'queued'
      ? `task ${task.id} still running: queued on ${task.worker}`
      : `task ${task.id} still running on ${task.worker} (${seconds(elapsedMs)} elapsed)`;
  return { summary, value: { id: task.id, kind: 'task', done, status: task.status, elapsedMs, task } };
}

function runProgress(run: RunView): ToolAnswer {
  const done = RUN_DONE.has(run.status);
  const elapsedMs = elapsedSince(run.startedAt, run.finishedAt);
  const stepsDone = run.steps.filter((s) => STEP_DONE.has(s.status)).length;
  const stepsTotal = run.steps.length;
  const waiting = run.steps.filter((s) => s.gate?.state === 'waiting').map((s) => s.id);
  const steps = `${stepsDone}/${stepsTotal} steps done`;
  const summary = done
    ? `run ${run.id} ${run.status} (${steps}, ${seconds(elapsedMs)})${run.reason ? `: ${run.reason}` : ''}`
    : run.status === 'awaiting_approval'
      ? `run ${run.id} still running, waiting for approval${waiting.length > 0 ? ` at ${waiting.join(', ')}` : ''} (${steps}): approve or deny it`
      : `run ${run.id} still running (${steps}, ${seconds(elapsedMs)} elapsed; running: ${
          run.steps
            .filter((s) => s.status === 'running')
            .map((s) => s.id)
            .join(', ') || '-'
        })`;
  return {
    summary,
    value: {
      id: run.id,
      kind: 'run',
      done,
      status: run.status,
      elapsedMs,
      stepsDone,
      stepsTotal,
      waiting,
      run,
    },
  };
}

async function progressOf(ctx: McpToolContext, id: string): Promise<ToolAnswer> {
  return kindOf(id) === 'task'
    ? taskProgress(await ctx.call('result', { id }))
    : runProgress(await ctx.call('flowStatus', { id }));
}

// A workflow as `run` takes it: a file path, the document's YAML/JSON text, or the document.
async function loadWorkflow(
  ctx: McpToolContext,
  workflow: string | Record<string, unknown>,
): Promise<{ spec: unknown; file: string | null }> {
  const { loadWorkflowFile, parseWorkflowText } =
    await import('../../infrastructure/workflow/workflow-file.js');
  if (typeof workflow !== 'string') return { spec: workflow, file: null };
  if (workflow.includes('\n')) return { spec: parseWorkflowText(workflow, 'workflow').document, file: null };
  const loaded = await loadWorkflowFile(pathFrom(ctx, workflow, 'workflow'));
  return { spec: loaded.document, file: loaded.path };
}

const send = operationInputs.send;
const flowRun = operationInputs.flowRun;

const runInput = send.partial().extend({
  worker: send.shape.worker.optional().describe('the worker (name or id) a task runs on'),
  command: send.shape.command
    .optional()
    .describe("the task: a shell command, or an agent worker's prompt (with worker)"),
  workflow: z
    .union([z.string().min(1), z.record(z.string(), z.unknown())])
    .optional()
    .describe('a workflow to run instead of a task: its file path, its YAML text, or the document'),
  project: z.string().min(1).optional().describe("the workflow's project directory (with workflow)"),
  inputs: flowRun.shape.inputs.describe("the workflow's inputs"),
  mode: flowRun.shape.mode.describe('manual: every gate waits for approval; auto: only required gates do'),
  keepWorkers: flowRun.shape.keepWorkers,
});

const approveInput = z.object({
  worker: operationInputs.approve.shape.worker
    .optional()
    .describe('the worker whose pending question is answered'),
  run: operationInputs.flowApprove.shape.id
    .optional()
    .describe('or: the workflow run whose gate is answered'),
  step: operationInputs.flowApprove.shape.step.describe("the run's step (when several gates wait)"),
});

function targetOf(input: { worker?: string | undefined; run?: string | undefined }): 'worker' | 'run' {
  if ((input.worker === undefined) === (input.run === undefined))
    throw new UsageError('name either a worker or a run (one of the two)', { field: 'worker' });
  return input.worker !== undefined ? 'worker' : 'run';
}

const LOG_LINES_DEFAULT = 100;

export const MCP_TOOLS: readonly McpTool[] = [
  tool({
    name: 'run',
    operations: ['send', 'flowRun'],
    scope: 'operate',
    lead: 'Start a task on a worker ({worker, command}) or a workflow run ({workflow, project, inputs}); returns {id, kind} at once: follow it with wait, status, logs, result',
    inputSchema: runInput,
    async run(ctx, input) {
      const { workflow, project, inputs, mode, keepWorkers, ...task } = input;
      if (workflow !== undefined) {
        if (task.worker !== undefined || task.command !== undefined)
          throw new UsageError('a run is either a task (worker, command) or a workflow, not both', {
            field: 'workflow',
          });
        if (project === undefined)
          throw new UsageError('bad project: a workflow runs in a project: name its directory', {
            field: 'project',
          });
        const loaded = await loadWorkflow(ctx, workflow);
        const run = await ctx.call('flowRun', {
          ...loaded,
          project: pathFrom(ctx, project, 'project'),
          ...(inputs !== undefined ? { inputs } : {}),
          ...(mode !== undefined ? { mode } : {}),
          ...(keepWorkers !== undefined ? { keepWorkers } : {}),
        });
        return {
          summary: `run ${run.id} started: ${run.name}`,
          value: { id: run.id, kind: 'run', status: run.status },
        };
      }
      if (task.worker === undefined || task.command === undefined)
        throw new UsageError('bad input: a task needs worker and command (or give a workflow and project)', {
          field: 'worker',
        });
      const queued = await ctx.call('send', { ...task, worker: task.worker, command: task.command });
      return {
        summary: `task ${queued.id} ${queued.status} on ${queued.worker}`,
        value: { id: queued.id, kind: 'task', status: queued.status },
      };
    },
  }),
  tool({
    name: 'wait',
    operations: ['wait', 'flowStatus'],
    scope: 'read',
    lead: `Wait for a task or run to end, at most timeoutSeconds (≤ ${WAIT_MAX_SECONDS}, default ${WAIT_DEFAULT_SECONDS}); says "still running" with its progress when it has not: call again`,
    inputSchema: idInput.extend({
      timeoutSeconds: z
        .number()
        .min(0)
        .max(WAIT_MAX_SECONDS)
        .optional()
        .describe(`how long to wait at most (default ${WAIT_DEFAULT_SECONDS})`),
    }),
    async run(ctx, input) {
      const boundMs = (input.timeoutSeconds ?? WAIT_DEFAULT_SECONDS) * 1000;
      // A task's wait is the daemon's own, bounded: it answers as soon as the task ends.
      if (kindOf(input.id) === 'task')
        return taskProgress(await ctx.call('wait', { id: input.id, timeoutMs: Math.round(boundMs) }));
      const deadline = Date.now() + boundMs;
      const pollMs = ctx.pollMs ?? 250;
      for (;;) {
        const progress = await progressOf(ctx, input.id);
        const { done, status } = progress.value;
        const remaining = deadline - Date.now();
        if (done === true || status === 'awaiting_approval' || remaining <= 0) return progress;
        await new Promise((r) => setTimeout(r, Math.min(pollMs, remaining)));
      }
    },
  }),
  tool({
    name: 'status',
    operations: ['status', 'result', 'flowStatus'],
    scope: 'read',
    lead: 'Where a task or run stands (with id: status, elapsed, steps done/total), or the whole fleet (without)',
    inputSchema: idInput.partial(),
    async run(ctx, input) {
      if (input.id !== undefined) return progressOf(ctx, input.id);
      const view = await ctx.call('status', { withOutput: false });
      return { summary: null, value: asRecord(view) };
    },
  }),
  tool({
    name: 'result',
    operations: ['result', 'flowStatus'],
    scope: 'read',
    lead: 'A task (its output once ended) or a run, now',
    inputSchema: idInput,
    async run(ctx, input) {
      return progressOf(ctx, input.id);
    },
  }),
  tool({
    name: 'logs',
    operations: ['logFile', 'flowStatus'],
    scope: 'read',
    lead: "The last lines of a task's output (as far as it has got) or of a run's logs.txt",
    inputSchema: idInput.extend({
      lines: z
        .number()
        .int()
        .min(1)
        .max(5_000)
        .optional()
        .describe(`how many (default ${LOG_LINES_DEFAULT})`),
    }),
    async run(ctx, input) {
      const lines = input.lines ?? LOG_LINES_DEFAULT;
      if (kindOf(input.id) === 'task') {
        const log = await ctx.call('logFile', { target: input.id });
        const text = await readLogTail(log.file, log.offset, lines);
        return { summary: null, value: { id: input.id, kind: 'task', running: log.running, text } };
      }
      const run = await ctx.call('flowStatus', { id: input.id });
      const text = await readRunFile(ctx.flowsDir, run.id, 'logs.txt', lines);
      return { summary: null, value: { id: run.id, kind: 'run', status: run.status, text } };
    },
  }),
  tool({
    name: 'cancel',
    operations: ['cancel', 'flowCancel'],
    scope: 'operate',
    lead: 'Cancel a task or a workflow run by its id',
    inputSchema: idInput,
    async run(ctx, input) {
      if (kindOf(input.id) === 'task') return taskProgress(await ctx.call('cancel', { id: input.id }));
      return runProgress(await ctx.call('flowCancel', { id: input.id }));
    },
  }),
  tool({
    name: 'send',
    operations: ['send'],
    scope: 'operate',
    lead: null,
    inputSchema: send,
    async run(ctx, input) {
      const queued = await ctx.call('send', input);
      return { summary: `task ${queued.id} ${queued.status} on ${queued.worker}`, value: asRecord(queued) };
    },
  }),
  tool({
    name: 'approve',
    operations: ['approve', 'flowApprove'],
    scope: 'operate',
    lead: "Approve a worker's pending question ({worker}) or the gate a workflow run waits at ({run, step})",
    inputSchema: approveInput.extend({ note: operationInputs.flowApprove.shape.note }),
    async run(ctx, input) {
      if (targetOf(input) === 'worker')
        return { summary: null, value: asRecord(await ctx.call('approve', { worker: input.worker ?? '' })) };
      const { run = '', step, note } = input;
      return runProgress(
        await ctx.call('flowApprove', {
          id: run,
          ...(step !== undefined ? { step } : {}),
          ...(note !== undefined ? { note } : {}),
        }),
      );
    },
  }),
  tool({
    name: 'deny',
    operations: ['deny', 'flowDeny'],
    scope: 'operate',
    lead: "Deny a worker's pending question ({worker}) or the gate a workflow run waits at ({run, step, reason})",
    inputSchema: approveInput.extend({
      reason: operationInputs.flowDeny.shape.reason.optional().describe('why (required for a run)'),
    }),
    async run(ctx, input) {
      if (targetOf(input) === 'worker')
        return { summary: null, value: asRecord(await ctx.call('deny', { worker: input.worker ?? '' })) };
      const { run = '', step, reason } = input;
      if (reason === undefined)
        throw new UsageError('bad reason: denying a gate must say why', { field: 'reason' });
      return runProgress(
        await ctx.call('flowDeny', { id: run, reason, ...(step !== undefined ? { step } : {}) }),
      );
    },
  }),
  tool({
    name: 'workers',
    operations: ['list'],
    scope: 'read',
    lead: 'The workers: name, type, project, state, queued tasks',
    inputSchema: z.object({}),
    async run(ctx) {
      return { summary: null, value: { workers: await ctx.call('list', {}) } };
    },
  }),
  tool({
    name: 'add_worker',
    operations: ['addWorker'],
    scope: 'operate',
    lead: 'Add a worker (type shell, claude, codex, …) in a project directory',
    // `policy` is the workflow engine's (a role resolved with its place); a caller names a role.
    inputSchema: operationInputs.addWorker.omit({ policy: true }).extend({
      project: z.string().min(1, 'must not be empty').describe("the worker's project directory"),
    }),
    async run(ctx, input) {
      const worker = await ctx.call('addWorker', {
        ...input,
        project: pathFrom(ctx, input.project, 'project'),
      });
      return { summary: `worker ${worker.name} ${worker.state}`, value: asRecord(worker) };
    },
  }),
  tool({
    name: 'prune',
    operations: ['prune'],
    scope: 'operate',
    lead: 'Retention, as a dry run: what would go past the rules, and what stays and why (a person removes it with tmuxorch prune)',
    // Never a real prune: over HTTP a real one needs an admin token, which an MCP session's scope
    // does not tell apart; deleting the home's history is the person's call.
    inputSchema: operationInputs.prune.unwrap().omit({ dryRun: true }),
    async run(ctx, input) {
      const report = await ctx.call('prune', { ...input, dryRun: true });
      return {
        summary: `would remove ${report.removed.length} items (${report.freedBytes} bytes); kept ${report.kept.length}`,
        value: asRecord(report),
      };
    },
  }),
];

export function toolsFor(scope: McpScope): McpTool[] {
  return MCP_TOOLS.filter((t) => scopeAllows(scope, t.scope));
}
