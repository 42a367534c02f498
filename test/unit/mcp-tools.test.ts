// The MCP tool table against the operation table: every tool runs operations of it, a read tool
// only ones that change nothing, the scopes filter; `wait` is bounded and never outlasts its
// timeout; a typed error keeps its sentence.
import { describe, expect, it } from 'vitest';
import { TaskNotFoundError } from '../../src/domain/errors.js';
import { operations } from '../../src/application/contract/operations.js';
import type { TaskResult } from '../../src/application/contract/views.js';
import {
  MCP_TOOLS,
  toolsFor,
  type McpToolContext,
  type OperationCall,
} from '../../src/controller/mcp/mcp-tools.js';

function running(id: string): TaskResult {
  return {
    id,
    worker: 'api',
    status: 'running',
    exitCode: null,
    output: null,
    startedAt: new Date(Date.now() - 3_000).toISOString(),
    finishedAt: null,
    durationMs: null,
    command: 'sleep 100',
    priority: 'normal',
    attempts: 1,
    reason: null,
    prompt: null,
    agent: null,
  };
}

function ctxWith(call: (name: string, input: unknown) => Promise<unknown>): McpToolContext {
  // The fake answers whatever the test says; the tool reads it as the operation's output.
  return { call: call as OperationCall, flowsDir: '/nonexistent', cwd: null, pollMs: 20 };
}

function toolNamed(name: string) {
  const found = MCP_TOOLS.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

describe('MCP tools', () => {
  it('run operations of the table; read tools only ones that change nothing', () => {
    for (const tool of MCP_TOOLS) {
      expect(tool.operations.length).toBeGreaterThan(0);
      for (const name of tool.operations) expect(operations[name]).toBeDefined();
      if (tool.scope === 'read')
        for (const name of tool.operations) expect(operations[name].mutates).toBe(false);
      else expect(tool.operations.some((name) => operations[name].mutates)).toBe(true);
      expect(tool.description).toContain(operations[tool.operations[0] ?? 'ping'].summary);
    }
  });

  it('are filtered by scope', () => {
    expect(toolsFor('read').map((t) => t.name)).toEqual(['wait', 'status', 'result', 'logs', 'workers']);
    expect(toolsFor('operate')).toHaveLength(MCP_TOOLS.length);
    expect(toolsFor('admin')).toHaveLength(MCP_TOOLS.length);
  });

  it('wait hands its bound to the daemon\'s own wait, and says "still running" for a task not ended', async () => {
    const calls: [string, unknown][] = [];
    const answer = await toolNamed('wait').run(
      ctxWith(async (name, input) => {
        calls.push([name, input]);
        return running('t-abc');
      }),
      { id: 't-abc', timeoutSeconds: 0.3 },
    );
    expect(calls).toEqual([['wait', { id: 't-abc', timeoutMs: 300 }]]);
    expect(answer.summary).toMatch(/still running/);
    expect(answer.value).toMatchObject({ done: false, status: 'running', elapsedMs: expect.any(Number) });
  });

  it('wait on a run polls its status until the bound', async () => {
    const started = Date.now();
    const run = { id: 'rabc', status: 'running', steps: [], startedAt: new Date().toISOString() };
    const answer = await toolNamed('wait').run(
      ctxWith(async () => run),
      { id: 'rabc', timeoutSeconds: 0.3 },
    );
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(5_000);
    expect(answer.summary).toMatch(/still running/);
  });

  it('wait refuses a timeout past the bound', () => {
    expect(() => toolNamed('wait').inputSchema.parse({ id: 't-x', timeoutSeconds: 51 })).toThrow();
  });

  it('run needs a task or a workflow, not both; a workflow needs an absolute project over HTTP', async () => {
    const ctx = ctxWith(async () => running('t-x'));
    await expect(toolNamed('run').run(ctx, { worker: 'api' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(
      toolNamed('run').run(ctx, { worker: 'api', command: 'x', workflow: {}, project: '/p' }),
    ).rejects.toMatchObject({ code: 'USAGE' });
    await expect(toolNamed('run').run(ctx, { workflow: {}, project: 'rel' })).rejects.toMatchObject({
      code: 'USAGE',
    });
  });

  it("keeps a typed error's sentence", async () => {
    const ctx = ctxWith(async () => {
      throw new TaskNotFoundError('no task t-nope', {});
    });
    await expect(toolNamed('result').run(ctx, { id: 't-nope' })).rejects.toThrow('no task t-nope');
  });
});
