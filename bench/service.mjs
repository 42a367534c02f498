// `node bench/service.mjs` (after `npm run build`; `npm run bench` runs it last): the service
// surface against the socket it sits beside, in the same run, on one daemon with HTTP on:
//   - `status`: p50/p95 and requests/s over HTTP (a read token) vs the socket RPC, sequentially;
//   - 1,000 webhook jobs of a `true` task through the queue: jobs/s accepted, jobs/s done, and
//     that every job ended done exactly once (nothing lost);
//   - `/metrics` scrape time with 100 workers (the target: under 10 ms).
import { createHmac } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, stopDaemon } from '../dist/controller/daemon-launcher.js';
import { RpcClient } from '../dist/controller/rpc-client.js';
import { TokenStore } from '../dist/infrastructure/service/token-store.js';
import { CLI_PATH } from './daemon.mjs';
import { createContext, loadBenchSettings } from './context.mjs';
import { monoMs, summarize, within } from './stats.mjs';

const STATUS_CALLS = 300;
const JOBS = 1_000;
const SCRAPE_WORKERS = 100;
const SCRAPES = 50;
const SECRET = 'bench-webhook-secret-0123456789abcdef';

const fmt = (ms) => (ms === null ? '-' : `${ms.toFixed(2)} ms`);

async function timed(n, call) {
  const samples = [];
  const start = monoMs();
  for (let i = 0; i < n; i++) {
    const t = monoMs();
    await call();
    samples.push(monoMs() - t);
  }
  return { ...summarize(samples), perSecond: n / ((monoMs() - start) / 1000) };
}

export async function measureService(ctx) {
  const home = join(ctx.dir, 'service-home');
  await mkdir(home, { recursive: true });
  await writeFile(
    join(home, 'config.json'),
    JSON.stringify({
      maxWorkers: 200,
      keepFinishedTasks: 100_000,
      http: { host: '127.0.0.1', port: 0, rateLimit: { max: 1_000_000, windowMs: 60_000 } },
      queue: { maxConcurrent: 8, perProject: 8 },
    }),
  );
  process.env.TMUXORCH_WEBHOOK_SECRET = SECRET;
  const settings = await loadBenchSettings({ home, socket: ctx.socket, session: 'bench-service' }, ctx.env);
  const { token } = await new TokenStore(settings.paths.tokensFile).create({
    name: 'bench',
    scope: 'operate',
    projects: [],
  });
  const started = await startDaemon(settings, CLI_PATH);
  ctx.onCleanup(() => within(stopDaemon(settings, true), 18_000, 'stop daemon').catch(() => undefined));
  const url = started.daemon.http;
  if (!url) throw new Error('the daemon serves no HTTP');
  const client = await RpcClient.connect(settings.paths);
  ctx.onCleanup(() => client.close());
  const headers = { authorization: `Bearer ${token}` };
  const r = {};
  // Status, both ways, on the same fleet (one worker), interleaved warm-up first.
  await client.call('addWorker', { type: 'shell', project: ctx.projectDir, name: 'jobs' });
  for (let i = 0; i < 20; i++) {
    await client.call('status', { withOutput: false });
    await (await globalThis.fetch(`${url}/v1/status?withOutput=false`, { headers })).text();
  }
  r.socketStatus = await timed(STATUS_CALLS, () => client.call('status', { withOutput: false }));
  r.httpStatus = await timed(STATUS_CALLS, async () => {
    const response = await globalThis.fetch(`${url}/v1/status?withOutput=false`, { headers });
    await response.text();
    if (response.status !== 200) throw new Error(`status over HTTP: ${response.status}`);
  });
  // 1,000 signed webhook jobs of a `true` task.
  const submitStart = monoMs();
  const ids = [];
  for (let i = 0; i < JOBS; i++) {
    const body = JSON.stringify({
      kind: 'task',
      task: { worker: 'jobs', command: 'true' },
      key: `bench-${i}`,
    });
    const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const response = await globalThis.fetch(`${url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body,
    });
    if (response.status !== 202) throw new Error(`webhook: ${response.status} ${await response.text()}`);
    ids.push(((await response.json()).job ?? {}).id);
  }
  const submitted = monoMs() - submitStart;
  let jobs = [];
  await within(
    (async () => {
      for (;;) {
        jobs = (await client.call('queueList', {})).jobs;
        if (jobs.filter((j) => j.status === 'done' || j.status === 'failed').length >= JOBS) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })(),
    600_000,
    'the webhook jobs to end',
  );
  const doneMs = monoMs() - submitStart;
  r.jobs = {
    n: JOBS,
    acceptedPerSecond: JOBS / (submitted / 1000),
    donePerSecond: JOBS / (doneMs / 1000),
    done: jobs.filter((j) => j.status === 'done').length,
    distinct: new Set(ids).size,
    startedOnce: jobs.every((j) => j.attempts === 1),
  };
  // /metrics with 100 workers.
  for (let i = 1; i < SCRAPE_WORKERS; i++)
    await client.call('addWorker', { type: 'shell', project: ctx.projectDir, name: `m${i}` });
  r.scrape = await timed(SCRAPES, async () => (await globalThis.fetch(`${url}/metrics`, { headers })).text());
  return r;
}

export function renderService(r) {
  return [
    `service surface (one daemon, HTTP on 127.0.0.1):`,
    `  status over the socket RPC  p50 ${fmt(r.socketStatus.p50)}  p95 ${fmt(r.socketStatus.p95)}  ${r.socketStatus.perSecond.toFixed(0)} req/s`,
    `  status over HTTP (token)    p50 ${fmt(r.httpStatus.p50)}  p95 ${fmt(r.httpStatus.p95)}  ${r.httpStatus.perSecond.toFixed(0)} req/s  (${(r.httpStatus.p50 / r.socketStatus.p50).toFixed(2)}× the socket's p50)`,
    `  ${r.jobs.n} webhook jobs of \`true\`: accepted ${r.jobs.acceptedPerSecond.toFixed(0)}/s, all ended ${r.jobs.donePerSecond.toFixed(0)}/s; done ${r.jobs.done}/${r.jobs.n}, distinct ${r.jobs.distinct}, each started once: ${r.jobs.startedOnce}`,
    `  /metrics with ${SCRAPE_WORKERS} workers  p50 ${fmt(r.scrape.p50)}  p95 ${fmt(r.scrape.p95)}  (target < 10 ms: ${r.scrape.p95 < 10 ? 'met' : 'missed'})`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ctx = await createContext();
  try {
    console.log(renderService(await measureService(ctx)));
  } finally {
    await ctx.cleanup();
  }
  setTimeout(() => process.exit(), 1_000).unref();
}
