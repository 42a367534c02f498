// The HTTP API against a real daemon (`start --http 127.0.0.1:0`, limits from config.json) with
// real requests: every generated route refuses no token and a wrong one (401), a token of a lower
// scope (403), and runs for the right one; project-limited tokens; both rate limits (429 with
// Retry-After); the OpenAPI document; /health; binds beyond loopback refused; and no token text
// in any file of the home or its logs.
import { readdir, readFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  OPERATION_ROUTES,
  SERVED_OPERATIONS,
  type ServedOperation,
} from '../../src/controller/http/operation-routes.js';
import { operationScope } from '../../src/application/contract/operation-scopes.js';
import type { Scope } from '../../src/domain/service/scopes.js';
import type { CliFleet } from '../helpers/cli.js';
import { createServer } from 'node:net';
import { useCliFleet, useFreshCliFleets } from './cli-fleets.js';
import { addShell, expectOk, runJson, type TaskResult, type WorkerView } from './support.js';

interface Made {
  readonly token: string;
  readonly id: string;
}

let fleet: CliFleet;
let url = '';
const tokens: Record<string, Made> = {};
const RATE_MAX = 80;
const AUTH_FAILURE_MAX = 70;

async function makeToken(name: string, scope: Scope, projects?: string): Promise<Made> {
  const args = [
    'token',
    'create',
    '--name',
    name,
    '--scope',
    scope,
    ...(projects ? ['--projects', projects] : []),
  ];
  const { exitCode, body } = await runJson<Made>(fleet, args);
  expect(exitCode).toBe(0);
  tokens[name] = body;
  return body;
}

async function call(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: JSON.parse(text) as Record<string, unknown>,
    headers: response.headers,
  };
}

// A request per route that the right token may send without harm: what it names is missing or
// its input is wrong (the operation's own 4xx), or it only reads, or it queues a harmless task.
const SAMPLES: { readonly [N in ServedOperation]: { path: string; body?: unknown; status: number } } = {
  status: { path: '/v1/status?withOutput=false', status: 200 },
  list: { path: '/v1/workers', status: 200 },
  addWorker: { path: '/v1/workers', body: { type: 'shell', project: 'relative/dir' }, status: 400 },
  removeWorker: { path: '/v1/workers/nobody', status: 404 },
  send: { path: '/v1/workers/w1/tasks', body: { command: 'true' }, status: 201 },
  approve: { path: '/v1/workers/nobody/approve', status: 404 },
  deny: { path: '/v1/workers/nobody/deny', status: 404 },
  revive: { path: '/v1/workers/nobody/revive', status: 404 },
  capture: { path: '/v1/workers/w1/screen?lines=5', status: 200 },
  healthCheck: { path: '/v1/health-check', status: 200 },
  result: { path: '/v1/tasks/nope', status: 404 },
  wait: { path: '/v1/tasks/nope/wait?timeoutMs=100', status: 404 },
  cancel: { path: '/v1/tasks/nope/cancel', status: 404 },
  flowList: { path: '/v1/runs', status: 200 },
  queueSubmit: { path: '/v1/queue', body: { job: {} }, status: 400 },
  queueList: { path: '/v1/queue', status: 200 },
  queueShow: { path: '/v1/queue/j0000000000', status: 404 },
  queueApprove: { path: '/v1/queue/j0000000000/approve', status: 404 },
  queueDeny: { path: '/v1/queue/j0000000000/deny', status: 404 },
  queueCancel: { path: '/v1/queue/j0000000000/cancel', status: 404 },
  queueRetry: { path: '/v1/queue/j0000000000/retry', status: 404 },
  budget: { path: '/v1/budget', status: 200 },
  flowRun: { path: '/v1/runs', body: { spec: {}, project: 'not/absolute' }, status: 400 },
  flowStatus: { path: '/v1/runs/r0none', status: 404 },
  flowApprove: { path: '/v1/runs/r0none/approve', status: 404 },
  flowDeny: { path: '/v1/runs/r0none/deny', body: { reason: 'no' }, status: 404 },
  flowCancel: { path: '/v1/runs/r0none/cancel', status: 404 },
  flowResume: { path: '/v1/runs/r0none/resume', status: 404 },
  flowAudit: { path: '/v1/runs/r0none/audit', status: 404 },
  flowClean: { path: '/v1/runs/r0none/clean', status: 404 },
  prune: { path: '/v1/prune', body: { dryRun: true }, status: 200 },
  roles: { path: '/v1/roles', status: 200 },
  roleShow: { path: '/v1/roles/coder', status: 200 },
};

const LOWER: Record<Scope, Scope | null> = { read: null, operate: 'read', admin: 'operate' };

useCliFleet(async (made) => {
  fleet = made;
  await expectOk(fleet, [
    'config',
    'set',
    'http',
    JSON.stringify({
      port: 1,
      rateLimit: { max: RATE_MAX, windowMs: 60_000 },
      authFailureLimit: { max: AUTH_FAILURE_MAX, windowMs: 60_000 },
    }),
  ]);
  for (const scope of ['read', 'operate', 'admin'] as const) await makeToken(scope, scope);
  const { exitCode, body } = await runJson<{ http: string | null }>(fleet, [
    'start',
    '--http',
    '127.0.0.1:0',
  ]);
  expect(exitCode).toBe(0);
  expect(body.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(body.http).not.toMatch(/:0$/);
  url = body.http ?? '';
  await addShell(fleet, 'w1');
  await addShell(fleet, 'w2');
});

describe('the HTTP API', () => {
  it('GET /health needs no token and tells nothing of the fleet', async () => {
    const { status, body } = await call('GET', '/health', null);
    expect(status).toBe(200);
    expect(body).toEqual({ ok: true, version: expect.any(String) });
  });

  it('every route: 401 without a token or with a wrong one, 403 for a lower scope, runs for its own', async () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...SERVED_OPERATIONS].sort());
    const wrong = `${tokens.admin!.token.slice(0, -4)}AAAA`;
    for (const name of SERVED_OPERATIONS) {
      const { method } = OPERATION_ROUTES[name];
      const sample = SAMPLES[name];
      const scope = operationScope(name);
      for (const token of [null, wrong, 'tmx_garbage']) {
        const refused = await call(method, sample.path, token, sample.body);
        expect(refused.status, `${name} with ${token === null ? 'no' : 'a wrong'} token`).toBe(401);
        expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(refused.body).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
      }
      const lower = LOWER[scope];
      if (lower) {
        const refused = await call(method, sample.path, tokens[lower]!.token, sample.body);
        expect(refused.status, `${name} with a ${lower} token`).toBe(403);
        expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
      }
      const answered = await call(method, sample.path, tokens[scope]!.token, sample.body);
      expect(answered.status, `${name}: ${JSON.stringify(answered.body)}`).toBe(sample.status);
      if (sample.status >= 400) {
        expect(answered.body).toMatchObject({
          error: { code: expect.any(String), message: expect.any(String) },
        });
        expect(JSON.stringify(answered.body)).not.toMatch(/\n\s+at /);
      }
    }
  });

  it('runs a task end to end, and a wait is bounded', async () => {
    const operate = tokens.operate!.token;
    const sent = await call('POST', '/v1/workers/w1/tasks', operate, { command: 'echo http-$((40+2))' });
    expect(sent.status).toBe(201);
    const id = String(sent.body.id);
    const done = await call('GET', `/v1/tasks/${id}/wait?timeoutMs=30000`, tokens.read!.token);
    expect(done.status).toBe(200);
    expect(done.body as unknown as TaskResult).toMatchObject({ id, status: 'succeeded', exitCode: 0 });
    expect((done.body as unknown as TaskResult).output).toContain('http-42');
    const slow = await call('POST', '/v1/workers/w2/tasks', operate, { command: 'sleep 20' });
    const started = Date.now();
    const waited = await call('GET', `/v1/tasks/${String(slow.body.id)}/wait?timeoutMs=300`, operate);
    expect(waited.status).toBe(200);
    expect(['queued', 'running']).toContain(waited.body.status);
    expect(Date.now() - started).toBeLessThan(10_000);
    const tooLong = await call('GET', `/v1/tasks/${id}/wait?timeoutMs=600000`, operate);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ error: { code: 'USAGE' } });
    expect((await call('POST', `/v1/tasks/${String(slow.body.id)}/cancel`, operate)).status).toBe(200);
  });

  it('a project-limited token reaches its projects only, and sees only them', async () => {
    const limited = (await makeToken('w1-only', 'admin', 'w1')).token;
    expect((await call('POST', '/v1/workers/w1/tasks', limited, { command: 'true' })).status).toBe(201);
    const other = await call('POST', '/v1/workers/w2/tasks', limited, { command: 'true' });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await call('GET', '/v1/workers/w2/screen', limited)).status).toBe(403);
    expect((await call('DELETE', '/v1/workers/w2', limited)).status).toBe(403);
    const w2 = await fleet.home.project('w2');
    expect(
      (await call('POST', '/v1/workers', limited, { type: 'shell', project: w2, name: 'x' })).status,
    ).toBe(403);
    expect((await call('POST', '/v1/health-check', limited)).status).toBe(403);
    const workers = (await call('GET', '/v1/workers', limited)).body as unknown as WorkerView[];
    expect(workers.map((w) => w.name)).toEqual(['w1']);
    const status = await call('GET', '/v1/status', limited);
    expect((status.body.workers as WorkerView[]).map((w) => w.name)).toEqual(['w1']);
    expect((status.body.tasks as TaskResult[]).every((t) => t.worker === 'w1')).toBe(true);
  });

  it('a revoked token is refused at its next request', async () => {
    const made = await makeToken('short-lived', 'read');
    expect((await call('GET', '/v1/status', made.token)).status).toBe(200);
    await expectOk(fleet, ['token', 'revoke', 'short-lived']);
    expect((await call('GET', '/v1/status', made.token)).status).toBe(401);
  });

  it('GET /openapi.json is OpenAPI 3.1 and lists every route', async () => {
    expect((await call('GET', '/openapi.json', null)).status).toBe(401);
    const { status, body } = await call('GET', '/openapi.json', tokens.read!.token);
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const paths = body.paths as Record<string, Record<string, { operationId: string; security?: unknown[] }>>;
    for (const name of SERVED_OPERATIONS) {
      const { method, path } = OPERATION_ROUTES[name];
      expect(paths[path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()]?.operationId, name).toBe(
        name,
      );
    }
    expect(paths['/health']?.get?.security).toEqual([]);
  });

  it("the OpenAPI document's output schemas accept what the routes answer", async () => {
    const { body } = await call('GET', '/openapi.json', tokens.read!.token);
    type Doc = Record<
      string,
      Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>
    >;
    const paths = body.paths as Doc;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const [name, path] of [
      ['list', '/v1/workers'],
      ['status', '/v1/status'],
      ['budget', '/v1/budget'],
    ] as const) {
      const schema = paths[path]?.get?.responses['200']?.content['application/json']?.schema;
      expect(schema, name).toBeDefined();
      const validate = ajv.compile(schema as object);
      const answer = await call('GET', path, tokens.read!.token);
      expect(answer.status, name).toBe(200);
      expect(validate(answer.body), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it('unknown routes: 401 without a token, 404 with one', async () => {
    expect((await call('GET', '/v1/nothing', null)).status).toBe(401);
    const found = await call('GET', '/v1/nothing', tokens.read!.token);
    expect(found.status).toBe(404);
    expect(found.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('a token over its rate gets 429 with Retry-After', async () => {
    const token = (await makeToken('busy', 'read')).token;
    let last = await call('GET', '/v1/workers', token);
    for (let i = 0; i < RATE_MAX && last.status === 200; i++) last = await call('GET', '/v1/workers', token);
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(last.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    // Another token from the same address is not held back.
    expect((await call('GET', '/v1/workers', tokens.read!.token)).status).toBe(200);
  });

  it('wrong tokens from one address get 429 past their limit; a valid token still works', async () => {
    let last = await call('GET', '/v1/status', 'tmx_aaaaaaaaaa_wrong');
    for (let i = 0; i < AUTH_FAILURE_MAX + 5 && last.status === 401; i++)
      last = await call('GET', '/v1/status', 'tmx_aaaaaaaaaa_wrong');
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call('GET', '/v1/status', tokens.admin!.token)).status).toBe(200);
  });

  it('refuses to bind beyond loopback without TLS, and warns with --insecure-bind', async () => {
    const refused = await runJson<{ error: { code: string } }>(fleet, ['start', '--http', '0.0.0.0:0']);
    expect(refused.exitCode).toBe(2);
    expect(refused.body.error.code).toBe('HTTP_BIND_REFUSED');
    // The daemon runs already: nothing is bound, but the warning is said.
    const warned = await fleet.run(['start', '--http', '0.0.0.0:0', '--insecure-bind']);
    expect(warned.exitCode).toBe(0);
    expect(warned.stderr).toMatch(/warning/);
  });

  it('no token text in any file under the home, logs included', async () => {
    const home = String(fleet.env.TMUXORCH_HOME);
    const texts = Object.values(tokens).map((t) => t.token);
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir)) {
        const path = join(dir, entry);
        const info = await lstat(path);
        if (info.isDirectory()) await walk(path);
        else if (info.isFile()) files.push(path);
      }
    };
    await walk(home);
    expect(files.some((f) => f.endsWith('tokens.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('controller.log'))).toBe(true);
    for (const file of files) {
      const content = await readFile(file, 'latin1');
      for (const text of texts) {
        expect(content.includes(text), `${file} holds a token`).toBe(false);
        expect(content.includes(text.slice(15)), `${file} holds a token's secret`).toBe(false);
      }
    }
  });
});

describe('an HTTP port that cannot be bound', () => {
  const fleets = useFreshCliFleets();

  it('fails the start with DAEMON_START_FAILED and leaves no daemon', async () => {
    const own = await fleets.create();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const address = holder.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const failed = await runJson<{ error: { code: string } }>(own, [
        'start',
        '--http',
        `127.0.0.1:${port}`,
      ]);
      expect(failed.exitCode).toBe(1);
      expect(failed.body.error.code).toBe('DAEMON_START_FAILED');
      expect(failed.run.stdout + failed.run.stderr).not.toMatch(/\n\s+at /);
      const after = await runJson<{ error: { code: string } }>(own, ['status']);
      expect(after.body.error.code).toBe('DAEMON_NOT_RUNNING');
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
