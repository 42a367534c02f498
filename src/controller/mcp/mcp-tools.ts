// The MCP tools, generated from the operation table (application/contract/operations.ts): each
// tool names the operation(s) it runs, takes its input schema from theirs (operation-inputs.ts)
// and its description from their summaries. What an agent needs to run and watch subtasks: `run`
// (a task on a worker, or a workflow in a project) returns an id at once, and `wait` waits for at
// most `timeoutSeconds` (≤ 50, under every MCP host's tool timeout) and says "still running" with
// the progress, so no tool call blocks past its host's patience.
// Scope: a `read` caller gets the tools that change nothing; `operate` (and `admin`) all of them.
import { z } from 'zod';
import { UsageError } from '../../domain/errors.js';
import { operationInputs } from '../../application/contract/operation-inputs.js';
import { approveInput, idInput, loadWorkflow, runInput, send, targetOf } from './mcp-inputs.js';
import { readLogTail, readRunFile } from './mcp-files.js';
import { asRecord, kindOf, pathFrom, scopeAllows, tool, type McpScope, type McpTool } from './mcp-tool.js';
import {
  progressOf,
  runProgress,
  taskProgress,
  WAIT_DEFAULT_SECONDS,
  WAIT_MAX_SECONDS,
} from './mcp-progress.js';

export { kindOf, scopeAllows } from './mcp-tool.js';
export type { McpScope, McpTool, McpToolContext, OperationCall, ToolAnswer } from './mcp-tool.js';
export { WAIT_DEFAULT_SECONDS, WAIT_MAX_SECONDS } from './mcp-progress.js';

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
