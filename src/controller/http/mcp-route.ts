// `/mcp` on the API server: the MCP server of mcp-server.ts over streamable HTTP, its tool calls
// run in-process through the operation table (`invoke`).
//
// Stateless: every POST gets a server and a transport of its own, made for the scope of the token
// that sent it (`request.principal`, set by the API server's auth), and closed with the response.
// Why: the scope is per request, so a session would have to be bound to the token that opened it
// and re-checked on each request anyway; the state an agent needs (task and run ids, their
// outputs) lives in the fleet, not in the MCP session; and no session table can leak or be lost
// on a restart. Nothing the tools do streams (`wait` is bounded), so plain JSON answers suffice:
// GET (a server-to-client stream) and DELETE (ending a session) answer 405.
import type { HttpPlugin } from './route-types.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { FleetController } from '../../application/fleet/fleet-controller.js';
import { invoke } from '../../application/contract/operations.js';
import { VERSION } from '../version.js';
import { createMcpServer } from '../mcp/mcp-server.js';
import type { McpScope } from '../mcp/mcp-tools.js';

export interface McpPluginDeps {
  readonly fleet: FleetController;
  // Tests (a bare Fastify with no auth): a request without a principal has full access. Without
  // it such a request is refused (the auth layer should have answered it already).
  readonly trusted?: boolean;
  // Where the runs' directories are; default: the fleet's workflow engine's.
  readonly flowsDir?: string;
}

const principalSchema = z.object({ scope: z.enum(['read', 'operate', 'admin']) });

function scopeOf(request: FastifyRequest, trusted: boolean): McpScope | null {
  const principal: unknown = 'principal' in request ? request.principal : undefined;
  if (principal === undefined || principal === null) return trusted ? 'admin' : null;
  const parsed = principalSchema.safeParse(principal);
  return parsed.success ? parsed.data.scope : null;
}

function jsonRpcError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/json')
    .send({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

function flowsDirOf(deps: McpPluginDeps): string {
  if (deps.flowsDir !== undefined) return deps.flowsDir;
  try {
    return deps.fleet.requireWorkflows().files.flowsDir;
  } catch {
    // A fleet without workflows: the run resources answer WORKFLOW_NOT_FOUND before any read.
    return '/nonexistent';
  }
}

export function mcpPlugin(deps: McpPluginDeps): HttpPlugin {
  return async (app) => {
    const flowsDir = flowsDirOf(deps);
    app.post('/mcp', { config: { scope: 'read' } }, async (request, reply) => {
      const scope = scopeOf(request, deps.trusted === true);
      if (scope === null) return jsonRpcError(reply, 401, 'this request carries no valid token');
      const server = createMcpServer((name, input) => invoke({ fleet: deps.fleet }, name, input), {
        scope,
        version: VERSION,
        flowsDir,
        cwd: null,
      });
      const transport =
        // No sessionIdGenerator: stateless.
        new StreamableHTTPServerTransport({ enableJsonResponse: true });
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close().catch(() => undefined);
        void server.close().catch(() => undefined);
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(request.raw, reply.raw, request.body);
      } catch (error) {
        request.log.error({ err: error }, 'mcp request failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(
            JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null }),
          );
        }
      }
      return reply;
    });
    const notAllowed = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      jsonRpcError(
        reply.header('allow', 'POST'),
        405,
        'stateless MCP server: POST only (no sessions, no streams)',
      );
    app.get('/mcp', { config: { scope: 'read' } }, notAllowed);
    app.delete('/mcp', { config: { scope: 'read' } }, notAllowed);
  };
}
