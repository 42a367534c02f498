// `tmuxorch mcp` on stdio, driven by the MCP SDK's own client as an agent host drives it: a real
// daemon, a shell worker, the tools listed with their schemas, a task run and waited for (bounded
// waits that say "still running"), a cancel, the read scope, a typed error as a tool error, and
// the resources.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_PATH, type CliFleet } from '../helpers/cli.js';
import { useCliFleet } from './cli-fleets.js';

const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

async function connect(
  fleet: CliFleet,
  args: readonly string[] = [],
): Promise<{ client: Client; stderr: () => string }> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(fleet.env)) if (value !== undefined) env[key] = value;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI_PATH, 'mcp', ...args],
    env,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'mcp-stdio-test', version: '0.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr };
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function structured(result: CallToolResult): Record<string, unknown> {
  expect(result.isError ?? false, textOf(result)).toBe(false);
  return result.structuredContent ?? {};
}

describe('tmuxorch mcp (stdio)', () => {
  let fleet!: CliFleet;
  useCliFleet((f) => (fleet = f), { shells: ['api'] });

  it('lists the tools of the operate scope with their input schemas', async () => {
    const { client } = await connect(fleet);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'add_worker',
        'approve',
        'cancel',
        'deny',
        'logs',
        'prune',
        'result',
        'run',
        'send',
        'status',
        'wait',
        'workers',
      ].sort(),
    );
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('run')?.inputSchema.properties).toHaveProperty('worker');
    expect(byName.get('run')?.inputSchema.properties).toHaveProperty('workflow');
    expect(byName.get('send')?.inputSchema.required).toEqual(['worker', 'command']);
    expect(byName.get('wait')?.inputSchema.properties?.timeoutSeconds).toMatchObject({ maximum: 50 });
    // Descriptions come from the operation table's summaries.
    expect(byName.get('send')?.description).toContain('queue a task on a worker');
    const workers = structured(await callTool(client, 'workers', {}));
    expect(workers.workers).toEqual([expect.objectContaining({ name: 'api', type: 'shell', state: 'idle' })]);
    // Retention over MCP is a dry run only: asking for a real one is refused.
    expect(byName.get('prune')?.inputSchema.properties).not.toHaveProperty('dryRun');
    const pruned = structured(await callTool(client, 'prune', { olderThan: '0s' }));
    expect(pruned).toMatchObject({ dryRun: true, failed: 0 });
    expect((await callTool(client, 'prune', { dryRun: false })).isError).toBe(true);
  });

  it('runs a task: an id at once, a bounded wait that says still running, then the output', async () => {
    const { client } = await connect(fleet);
    const started = Date.now();
    const run = structured(await callTool(client, 'run', { worker: 'api', command: 'sleep 2; echo done' }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run).toMatchObject({ kind: 'task', id: expect.stringMatching(/^t-/) });
    const id = String(run.id);

    const waited = Date.now();
    const first = await callTool(client, 'wait', { id, timeoutSeconds: 1 });
    // Bounded: back after its timeout, not when the task ends.
    expect(Date.now() - waited).toBeGreaterThanOrEqual(900);
    expect(Date.now() - waited).toBeLessThan(1_900);
    expect(textOf(first)).toContain('still running');
    expect(structured(first)).toMatchObject({ id, kind: 'task', done: false });

    const second = await callTool(client, 'wait', { id, timeoutSeconds: 30 });
    expect(structured(second)).toMatchObject({
      done: true,
      status: 'succeeded',
      task: expect.objectContaining({ exitCode: 0, output: expect.stringContaining('done') }),
    });
    const logs = structured(await callTool(client, 'logs', { id }));
    expect(logs.text).toContain('done');
    const resource = await client.readResource({ uri: `tmuxorch://tasks/${id}/output` });
    expect(resource.contents[0]).toMatchObject({ text: expect.stringContaining('done') });
    const status = structured(await callTool(client, 'status', { id }));
    expect(status).toMatchObject({ status: 'succeeded', elapsedMs: expect.any(Number) });
  });

  it('cancels a running task', async () => {
    const { client } = await connect(fleet);
    const run = structured(await callTool(client, 'run', { worker: 'api', command: 'sleep 30' }));
    const id = String(run.id);
    // Running before it is cancelled, so the cancel interrupts it.
    for (let i = 0; i < 40; i++) {
      if (structured(await callTool(client, 'status', { id })).status === 'running') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await callTool(client, 'cancel', { id });
    const ended = structured(await callTool(client, 'wait', { id, timeoutSeconds: 20 }));
    expect(ended).toMatchObject({ done: true, status: 'cancelled' });
  });

  it('runs a workflow: waits stop at its gate, approve passes it, the report is a resource', async () => {
    const { client } = await connect(fleet);
    const project = await fleet.home.project('plain');
    const workflow = [
      'schema_version: 1',
      'name: gated',
      'steps:',
      '  build:',
      '    run: echo built',
      '  approve:',
      '    needs: build',
      '    gate: { message: ship it? }',
      '  after:',
      '    needs: approve',
      '    run: echo shipped',
      '',
    ].join('\n');
    const run = structured(await callTool(client, 'run', { workflow, project }));
    expect(run).toMatchObject({ kind: 'run', id: expect.any(String) });
    const id = String(run.id);
    let gate: Record<string, unknown> = {};
    for (let i = 0; i < 10 && gate.status !== 'awaiting_approval'; i++)
      gate = structured(await callTool(client, 'wait', { id, timeoutSeconds: 5 }));
    expect(gate).toMatchObject({
      done: false,
      status: 'awaiting_approval',
      waiting: ['approve'],
      stepsTotal: 3,
    });
    expect(gate.stepsDone).toBe(1);
    structured(await callTool(client, 'approve', { run: id }));
    const done = structured(await callTool(client, 'wait', { id, timeoutSeconds: 30 }));
    expect(done).toMatchObject({ done: true, status: 'succeeded', stepsDone: 3, stepsTotal: 3 });
    const report = await client.readResource({ uri: `tmuxorch://runs/${id}/report` });
    expect(report.contents[0]).toMatchObject({
      mimeType: 'text/markdown',
      text: expect.stringContaining('gated'),
    });
    const logs = await client.readResource({ uri: `tmuxorch://runs/${id}/logs` });
    expect(logs.contents[0]).toMatchObject({ text: expect.stringMatching(/\S/) });
    const listed = await client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`tmuxorch://runs/${id}/report`);
  });

  it('a typed error is a tool error with its one sentence; a wait is bounded', async () => {
    const { client } = await connect(fleet);
    const unknown = await callTool(client, 'run', { worker: 'nobody', command: 'true' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/nobody/);
    expect(textOf(unknown)).not.toMatch(/\n\s+at /);
    const noTask = await callTool(client, 'result', { id: 't-doesnotexist' });
    expect(noTask.isError).toBe(true);
    const noRun = await client.readResource({ uri: 'tmuxorch://runs/zzzzzz/report' }).then(
      () => 'read',
      (error: Error) => error.message,
    );
    expect(noRun).toMatch(/zzzzzz/);
    // Past the bound the SDK's own schema check refuses it.
    const tooLong = await callTool(client, 'wait', { id: 't-x', timeoutSeconds: 600 });
    expect(tooLong.isError).toBe(true);
  });

  it('the read scope lists no tool that changes the fleet, and refuses a call of one', async () => {
    const { client } = await connect(fleet, ['--scope', 'read']);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['logs', 'result', 'status', 'wait', 'workers']);
    const refused = await callTool(client, 'run', { worker: 'api', command: 'true' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/run/);
  });
});

describe('tmuxorch mcp without a daemon', () => {
  let fleet!: CliFleet;
  useCliFleet((f) => (fleet = f));

  it('says so on stderr, serves, and each tool call fails with the sentence', async () => {
    const { client, stderr } = await connect(fleet);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    const result = await callTool(client, 'workers', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/daemon is not running/);
    expect(stderr()).toMatch(/no daemon answers/);
    expect(await fleet.daemonPid()).toBeNull();
  });
});
