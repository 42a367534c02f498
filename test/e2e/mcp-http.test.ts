// `/mcp` over streamable HTTP: mcpPlugin on a bare Fastify (127.0.0.1, port 0) with an in-process
// fleet (a private tmux server and home), driven by the MCP SDK's own HTTP client. A stand-in of
// the API server's auth sets `request.principal` from a test header, so the scope filter is seen
// as it will be behind real tokens.
import Fastify, { type FastifyInstance } from 'fastify';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpPlugin } from '../../src/controller/http/mcp-route.js';
import { openTestFleet, type TestFleet } from '../helpers/fleet.js';

describe('/mcp over streamable HTTP', () => {
  let fleet: TestFleet;
  let trusted: FastifyInstance;
  let guarded: FastifyInstance;
  const url = (app: FastifyInstance, path = '/mcp'): URL => {
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return new URL(`http://127.0.0.1:${address.port}${path}`);
  };

  beforeAll(async () => {
    fleet = await openTestFleet();
    await fleet.addShell('api');
    trusted = Fastify();
    await trusted.register(mcpPlugin({ fleet: fleet.fleet, trusted: true }));
    await trusted.listen({ host: '127.0.0.1', port: 0 });
    // As the API server's auth would: a principal per request (here from a test header).
    guarded = Fastify();
    guarded.addHook('onRequest', async (request) => {
      const scope = request.headers['x-test-scope'];
      if (typeof scope === 'string') Object.assign(request, { principal: { scope, token: 'test' } });
    });
    await guarded.register(mcpPlugin({ fleet: fleet.fleet }));
    await guarded.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await trusted?.close();
    await guarded?.close();
    await fleet?.cleanup();
  });

  async function connect(app: FastifyInstance, headers: Record<string, string> = {}): Promise<Client> {
    const client = new Client({ name: 'mcp-http-test', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url(app), { requestInit: { headers } }));
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  }

  it('lists the tools and runs a task that is waited for', async () => {
    const client = await connect(trusted);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['run', 'wait', 'status', 'logs', 'cancel', 'workers']));
      const run = await call(client, 'run', { worker: 'api', command: 'echo over-http' });
      expect(run.isError ?? false).toBe(false);
      const id = String(run.structuredContent?.id);
      expect(id).toMatch(/^t-/);
      const done = await call(client, 'wait', { id, timeoutSeconds: 20 });
      expect(done.structuredContent).toMatchObject({
        done: true,
        status: 'succeeded',
        task: expect.objectContaining({ output: expect.stringContaining('over-http') }),
      });
      const unknown = await call(client, 'send', { worker: 'nobody', command: 'true' });
      expect(unknown.isError).toBe(true);
      expect(JSON.stringify(unknown.content)).toMatch(/nobody/);
    } finally {
      await client.close();
    }
  });

  it("filters the tools by the principal's scope and refuses a request without one", async () => {
    const reader = await connect(guarded, { 'x-test-scope': 'read' });
    try {
      const names = (await reader.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual(['logs', 'result', 'status', 'wait', 'workers']);
      expect((await call(reader, 'run', { worker: 'api', command: 'true' })).isError).toBe(true);
    } finally {
      await reader.close();
    }
    const operator = await connect(guarded, { 'x-test-scope': 'operate' });
    try {
      expect((await operator.listTools()).tools.map((t) => t.name)).toContain('run');
    } finally {
      await operator.close();
    }
    const anonymous = await fetch(url(guarded), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(anonymous.status).toBe(401);
    const get = await fetch(url(trusted), { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
  });
});
