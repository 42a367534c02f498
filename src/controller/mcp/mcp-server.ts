// The MCP server of a fleet: the tools of mcp-tools.ts that the caller's scope allows (the others
// are not registered: not listed, and a call of one is refused as an unknown tool), and the
// resources of the runs and tasks. `call` reaches the fleet: the daemon over its socket (`tmuxorch
// mcp`, stdio) or the fleet in-process (`/mcp` on the API server).
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { toErrorPayload } from '../../domain/errors.js';
import { readLogTail, readRunFile } from './mcp-files.js';
import {
  kindOf,
  toolsFor,
  type McpScope,
  type McpToolContext,
  type OperationCall,
  type ToolAnswer,
} from './mcp-tools.js';

export interface McpServerOptions {
  readonly scope: McpScope;
  readonly version: string;
  // Where the runs' directories are (report.md, logs.txt).
  readonly flowsDir: string;
  // Relative paths in tool inputs are resolved against this (stdio: the host's directory); null:
  // absolute paths only (HTTP).
  readonly cwd?: string | null;
  readonly pollMs?: number;
}

function toolResult(answer: ToolAnswer): CallToolResult {
  const json = JSON.stringify(answer.value, null, 2);
  return {
    content: [{ type: 'text', text: answer.summary === null ? json : `${answer.summary}\n${json}` }],
    structuredContent: answer.value,
  };
}

// A typed error's one sentence, never a stack.
function toolError(error: unknown): CallToolResult {
  return { content: [{ type: 'text', text: toErrorPayload(error).message }], isError: true };
}

function variable(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function text(uri: URL, body: string, mimeType = 'text/plain'): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType, text: body }] };
}

export function createMcpServer(call: OperationCall, options: McpServerOptions): McpServer {
  const ctx: McpToolContext = {
    call,
    flowsDir: options.flowsDir,
    cwd: options.cwd ?? null,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  };
  const server = new McpServer(
    { name: 'tmuxorch', version: options.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        'tmuxorch runs tasks on workers (tmux panes with shells or coding agents) and workflow runs. ' +
        'run returns an id at once; wait (bounded) until it says done, then result or logs.',
    },
  );
  for (const tool of toolsFor(options.scope)) {
    server.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: tool.inputSchema,
        annotations: { readOnlyHint: tool.scope === 'read' },
      },
      async (args: unknown) => {
        try {
          return toolResult(await tool.run(ctx, args));
        } catch (error) {
          return toolError(error);
        }
      },
    );
  }

  server.registerResource(
    'run-report',
    new ResourceTemplate('tmuxorch://runs/{id}/report', {
      list: async () => ({
        resources: (await call('flowList', {})).runs.map((r) => ({
          uri: `tmuxorch://runs/${r.id}/report`,
          name: `${r.id} report (${r.name}, ${r.status})`,
          mimeType: 'text/markdown',
        })),
      }),
    }),
    { description: "a workflow run's report.md (written when the run ends)", mimeType: 'text/markdown' },
    async (uri, vars) => {
      const run = await call('flowStatus', { id: variable(vars.id) });
      const report = await readRunFile(options.flowsDir, run.id, 'report.md', null);
      return text(
        uri,
        report === '' ? `run ${run.id} is ${run.status}: no report yet\n` : report,
        'text/markdown',
      );
    },
  );

  server.registerResource(
    'run-logs',
    new ResourceTemplate('tmuxorch://runs/{id}/logs', { list: undefined }),
    { description: 'what a workflow run did: its logs.txt', mimeType: 'text/plain' },
    async (uri, vars) => {
      const run = await call('flowStatus', { id: variable(vars.id) });
      return text(uri, await readRunFile(options.flowsDir, run.id, 'logs.txt', null));
    },
  );

  server.registerResource(
    'task-output',
    new ResourceTemplate('tmuxorch://tasks/{id}/output', {
      list: async () => ({
        resources: (await call('status', { withOutput: false })).tasks.map((t) => ({
          uri: `tmuxorch://tasks/${t.id}/output`,
          name: `${t.id} output (${t.worker}, ${t.status})`,
          mimeType: 'text/plain',
        })),
      }),
    }),
    { description: "a task's output: all of it once it ended, so far while it runs", mimeType: 'text/plain' },
    async (uri, vars) => {
      const id = variable(vars.id);
      if (kindOf(id) !== 'task') return text(uri, `${id} is not a task id (t-…)\n`);
      const log = await call('logFile', { target: id });
      return text(uri, await readLogTail(log.file, log.offset, null));
    },
  );
  return server;
}
