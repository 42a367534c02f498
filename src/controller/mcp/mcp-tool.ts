// One MCP tool as the table declares it (mcp-tools.ts): the operation(s) it runs, the least scope
// it needs, its input schema and what it answers; and the helpers every tool shares.
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { UsageError } from '../../domain/errors.js';
import type { OperationName, OperationRequest } from '../../application/contract/operation-inputs.js';
import { operations, type OperationOutput } from '../../application/contract/operations.js';

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

export function tool<S extends z.ZodObject>(spec: {
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

export function asRecord(value: object): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  Object.assign(record, value);
  return record;
}

export function pathFrom(ctx: McpToolContext, path: string, what: string): string {
  if (isAbsolute(path)) return path;
  if (ctx.cwd === null) throw new UsageError(`bad ${what}: must be an absolute path`, { field: what });
  return resolve(ctx.cwd, path);
}
