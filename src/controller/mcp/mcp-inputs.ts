// The inputs of the MCP tools that are not one operation's own (mcp-tools.ts): `run` takes a task
// or a workflow, `approve`/`deny` a worker or a run; and reading the workflow `run` names.
import { z } from 'zod';
import { UsageError } from '../../domain/errors.js';
import { operationInputs } from '../../application/contract/operation-inputs.js';
import { pathFrom, type McpToolContext } from './mcp-tool.js';

export const idInput = z.object({
  id: z.string().min(1, 'must not be empty').describe('a task id (t-…) or a workflow run id'),
});

// A workflow as `run` takes it: a file path, the document's YAML/JSON text, or the document.
export async function loadWorkflow(
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

export const send = operationInputs.send;
const flowRun = operationInputs.flowRun;

export const runInput = send.partial().extend({
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

export const approveInput = z.object({
  worker: operationInputs.approve.shape.worker
    .optional()
    .describe('the worker whose pending question is answered'),
  run: operationInputs.flowApprove.shape.id
    .optional()
    .describe('or: the workflow run whose gate is answered'),
  step: operationInputs.flowApprove.shape.step.describe("the run's step (when several gates wait)"),
});

export function targetOf(input: { worker?: string | undefined; run?: string | undefined }): 'worker' | 'run' {
  if ((input.worker === undefined) === (input.run === undefined))
    throw new UsageError('name either a worker or a run (one of the two)', { field: 'worker' });
  return input.worker !== undefined ? 'worker' : 'run';
}
