// The service surface assembled in the daemon (`start --http`): one token-guarded server serves
// the operations, the event stream, the metrics, the signed webhook into the job queue and the
// MCP server, each through the same auth: a read token reads metrics and events; the webhook
// takes a job signed with TMUXORCH_WEBHOOK_SECRET (and refuses a wrong signature); an MCP client
// over HTTP with an operate token lists the tools and runs a task.
import { createHmac } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { connectSse } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait-for.js';
import { useCliFleet } from './cli-fleets.js';
import { addShell, expectOk, runJson, status } from './support.js';

const SECRET = 'webhook-secret-for-the-test-0123456789';
let fleet: CliFleet;
let url = '';
const tokens: Record<string, string> = {};

useCliFleet(
  async (made) => {
    fleet = made;
    for (const scope of ['read', 'operate'] as const) {
      const { exitCode, body } = await runJson<{ token: string }>(fleet, [
        'token',
        'create',
        '--name',
        scope,
        '--scope',
        scope,
      ]);
      expect(exitCode).toBe(0);
      tokens[scope] = body.token;
    }
    const { exitCode, body } = await runJson<{ http: string | null }>(fleet, [
      'start',
      '--http',
      '127.0.0.1:0',
    ]);
    expect(exitCode).toBe(0);
    url = body.http ?? '';
    await addShell(fleet, 'svc');
  },
  { env: { TMUXORCH_WEBHOOK_SECRET: SECRET } },
);

const auth = (scope: string): Record<string, string> => ({ authorization: `Bearer ${tokens[scope] ?? ''}` });

describe('the service surface in the daemon', () => {
  it("shows the API's URL in status, for people and for scripts", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await status(fleet)).daemon.http).toBe(url);
    const human = await fleet.run(['status']);
    expect(human.stdout.split('\n')[0]).toContain(`http ${url}`);
  });

  it('serves metrics and the event stream to a read token, and neither without one', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const scrape = await fetch(`${url}/metrics`, { headers: auth('read') });
    expect(scrape.status).toBe(200);
    const families = parsePromText(await scrape.text());
    expect(sampleValue(families, 'tmuxorch_workers', { state: 'idle', type: 'shell' })).toBe(1);
    const stream = await connectSse(`${url}/v1/events?since=0`, auth('read'));
    try {
      await expectOk(fleet, ['send', 'svc', '--wait', '--', 'echo via-events']);
      await stream.waitFor(
        () =>
          stream
            .events<{ type: string; status?: string }>()
            .some((e) => e.type === 'task.finished' && e.status === 'succeeded'),
        20_000,
      );
    } finally {
      stream.close();
    }
  });

  it('takes a signed webhook job into the queue and refuses a wrong signature', async () => {
    const body = JSON.stringify({
      kind: 'task',
      task: { worker: 'svc', command: 'echo from-the-webhook' },
      key: 'delivery-1',
    });
    const sign = (text: string): string =>
      `sha256=${createHmac('sha256', SECRET).update(text).digest('hex')}`;
    const post = (signature: string): Promise<Response> =>
      fetch(`${url}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body,
      });
    expect((await post(sign(`${body} `))).status).toBe(401);
    const accepted = await post(sign(body));
    expect(accepted.status).toBe(202);
    const { job } = (await accepted.json()) as { job: { id: string } };
    const again = await post(sign(body));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { job: { id: string } }).job.id).toBe(job.id);
    const done = await waitFor(
      async () => {
        const shown = await fetch(`${url}/v1/queue/${job.id}`, { headers: auth('read') });
        const view = (await shown.json()) as { status: string };
        return view.status === 'done' ? view : null;
      },
      { timeoutMs: 30_000, message: 'the webhook job is done' },
    );
    expect(done.status).toBe('done');
    // The queue's depth is in the metrics too.
    const scrape = parsePromText(await (await fetch(`${url}/metrics`, { headers: auth('read') })).text());
    expect(sampleValue(scrape, 'tmuxorch_queue_depth', { queue: 'jobs', state: 'done' })).toBe(1);
  });

  it('serves MCP over HTTP to an operate token: tools listed, a task run and waited for', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: auth('operate') },
    });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['run', 'wait', 'status', 'cancel']));
      const ran = await client.callTool({
        name: 'run',
        arguments: { worker: 'svc', command: 'echo from-mcp' },
      });
      const text = (ran.content as { type: string; text: string }[])[0]?.text ?? '';
      const id = /\bt-[A-Za-z0-9]+/.exec(text)?.[0] ?? '';
      expect(id, text).not.toBe('');
      const waited = await client.callTool({ name: 'wait', arguments: { id, timeoutSeconds: 20 } });
      expect(JSON.stringify(waited.content)).toContain('from-mcp');
    } finally {
      await client.close();
    }
  });
});
