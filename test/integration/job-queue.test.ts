// The job queue on real files (a temp home) with the engine and the fleet stood in for: each
// state survives the loss of the process (the in-memory queue dropped, a new one loading the same
// directory), a daemon killed between two steps (written here as the files it leaves) is
// reclaimed without losing or repeating a job, capacity holds jobs back, and the webhook plugin on
// a bare Fastify answers as documented.
import { EventEmitter } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '../../src/domain/errors.js';
import { jobTag, type Job } from '../../src/domain/queue/job.js';
import type { RunRecord } from '../../src/domain/workflow/workflow-run.js';
import type { FleetController } from '../../src/application/fleet/fleet-controller.js';
import { JobQueue } from '../../src/application/queue/job-queue.js';
import type { WorkflowEngine } from '../../src/application/workflows/workflow-engine.js';
import type { StartRunInput } from '../../src/application/workflows/run-start.js';
import { systemClock } from '../../src/application/ports/clock.js';
import { silentLogger } from '../../src/infrastructure/logs/logger.js';
import { JobStore } from '../../src/infrastructure/queue/job-store.js';
import { signBody } from '../../src/controller/http/webhook-signature.js';
import { webhookPlugin } from '../../src/controller/http/webhook-route.js';
import { createTmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

// The engine as the queue sees it: runs that end when the test says so.
class FakeEngine extends EventEmitter<{ changed: [run: RunRecord] }> {
  readonly runs = new Map<string, RunRecord>();
  readonly active = new Set<string>();
  starts: StartRunInput[] = [];
  private n = 0;

  start(input: StartRunInput): Promise<RunRecord> {
    this.starts.push(input);
    const id = `r${String(++this.n).padStart(6, '0')}`;
    const run = { id, status: 'running', job: input.job, reason: null } as unknown as RunRecord;
    this.runs.set(id, run);
    this.active.add(id);
    return Promise.resolve(run);
  }

  status(id: string): Promise<RunRecord> {
    const run = this.runs.get(id);
    return run ? Promise.resolve(run) : Promise.reject(new WorkflowNotFoundError(`no run ${id}`));
  }

  list(): Promise<RunRecord[]> {
    return Promise.resolve([...this.runs.values()]);
  }

  activeRuns(): RunRecord[] {
    return [...this.runs.values()].filter((r) => this.active.has(r.id));
  }

  cancel(id: string): Promise<RunRecord> {
    return Promise.resolve(this.end(id, 'cancelled'));
  }

  end(id: string, status: 'succeeded' | 'failed' | 'cancelled'): RunRecord {
    const run = { ...this.runs.get(id), status } as RunRecord;
    this.runs.set(id, run);
    this.active.delete(id);
    this.emit('changed', run);
    return run;
  }
}

const fakeFleet = {
  rt: { store: { findWorker: () => undefined, tasks: () => [] } },
} as unknown as FleetController;

const WORKFLOW = { schema_version: 1, name: 'one', steps: { s: { run: 'true' } } };

let home: TmpHome;
let project: string;
let engine: FakeEngine;
const queues: JobQueue[] = [];

function openQueue(limits = { maxConcurrent: 8, perProject: 8 }): JobQueue {
  const queue = new JobQueue({
    store: new JobStore(join(home.dir, 'queue')),
    fleet: fakeFleet,
    workflows: engine as unknown as WorkflowEngine,
    limits,
    clock: systemClock,
    logger: silentLogger,
  });
  queues.push(queue);
  return queue;
}

function payload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'workflow', workflow: WORKFLOW, project, ...extra };
}

async function jobFile(id: string): Promise<Job> {
  return JSON.parse(await readFile(join(home.dir, 'queue', 'jobs', `${id}.json`), 'utf8')) as Job;
}

const statusOf = (queue: JobQueue, id: string): string => queue.show(id).status;

beforeEach(async () => {
  home = await createTmpHome();
  project = await home.project('api');
  engine = new FakeEngine();
});

afterEach(async () => {
  for (const queue of queues.splice(0)) await queue.stop();
  await home.remove();
});

describe('the job queue', () => {
  it('takes a job through to done, on disk before each answer; a repeat of its key is the first job', async () => {
    const queue = openQueue();
    await queue.start();
    const { job, created } = await queue.submit(payload({ key: 'push-1' }), { source: { via: 'api' } });
    expect(created).toBe(true);
    // Acknowledged: the file holds it (pending or, already, running).
    expect(['pending', 'running']).toContain((await jobFile(job.id)).status);
    const again = await queue.submit(payload({ key: 'push-1' }), { source: { via: 'api' } });
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(job.id);
    const byHeader = await queue.submit(payload(), { source: { via: 'webhook' }, key: 'push-1' });
    expect(byHeader.job.id).toBe(job.id);

    await waitFor(() => queue.show(job.id).target !== null);
    const runId = (queue.show(job.id).target as { runId: string }).runId;
    expect(engine.runs.get(runId)?.job).toBe(`${job.id}:1`);
    engine.end(runId, 'succeeded');
    await waitFor(() => statusOf(queue, job.id) === 'done');
    expect(engine.starts).toHaveLength(1);
    expect(await jobFile(job.id)).toMatchObject({ status: 'done', target: { runId }, attempts: 1 });
  });

  it('accepts concurrent submissions of one key as one job', async () => {
    const queue = openQueue();
    await queue.start();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => queue.submit(payload({ key: 'same' }), { source: { via: 'api' } })),
    );
    expect(new Set(answers.map((a) => a.job.id)).size).toBe(1);
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    expect(await readdir(join(home.dir, 'queue', 'jobs'))).toHaveLength(1);
  });

  it('refuses what cannot run, with the field at fault', async () => {
    const queue = openQueue();
    await queue.start();
    await expect(
      queue.submit({ kind: 'workflow', workflow: WORKFLOW, project: 'rel' }, { source: { via: 'api' } }),
    ).rejects.toMatchObject({ code: 'USAGE', details: { field: '/project' } });
    await expect(
      queue.submit(payload({ workflow: { schema_version: 1, name: 'x' } }), { source: { via: 'api' } }),
    ).rejects.toMatchObject({ code: 'WORKFLOW_INVALID' });
    await expect(
      queue.submit(payload({ project: join(home.dir, 'missing') }), { source: { via: 'api' } }),
    ).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND' });
    expect(queue.list()).toEqual([]);
  });

  it('holds jobs for approval, and past capacity overall and per project', async () => {
    const queue = openQueue({ maxConcurrent: 2, perProject: 1 });
    await queue.start();
    const other = await home.project('web');
    const a = (await queue.submit(payload(), { source: { via: 'api' } })).job;
    const b = (await queue.submit(payload(), { source: { via: 'api' } })).job;
    const c = (await queue.submit(payload({ project: other }), { source: { via: 'api' } })).job;
    const gated = (
      await queue.submit(payload({ project: other, requireApproval: true }), { source: { via: 'api' } })
    ).job;
    const denied = (await queue.submit(payload({ requireApproval: true }), { source: { via: 'api' } })).job;
    await waitFor(() => statusOf(queue, a.id) === 'running' && statusOf(queue, c.id) === 'running');
    expect(statusOf(queue, b.id)).toBe('pending');
    expect(statusOf(queue, gated.id)).toBe('awaiting_approval');
    expect((await queue.deny(denied.id, 'not now')).status).toBe('failed');
    expect(queue.show(denied.id).reason).toBe('denied: not now');
    await expect(queue.approve(a.id)).rejects.toMatchObject({ code: 'USAGE' });

    engine.end((queue.show(a.id).target as { runId: string }).runId, 'succeeded');
    await waitFor(() => statusOf(queue, b.id) === 'running');
    expect((await queue.approve(gated.id)).status).toBe('pending');
    expect(statusOf(queue, gated.id)).toBe('pending');
    engine.end((queue.show(c.id).target as { runId: string }).runId, 'failed');
    await waitFor(() => statusOf(queue, gated.id) === 'running');
    expect(queue.show(c.id)).toMatchObject({ status: 'failed', reason: 'run failed' });

    // retry: a new run; cancel: its run cancelled.
    expect((await queue.retry(c.id)).status).toBe('pending');
    const cancelled = await queue.cancel(b.id);
    expect(cancelled).toMatchObject({ status: 'failed', reason: 'cancelled' });
    expect(engine.runs.get((cancelled.target as { runId: string }).runId)?.status).toBe('cancelled');
    await expect(queue.cancel(b.id)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(queue.approve('jnothere12')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });
});

describe('after the daemon is killed', () => {
  // A job as a killed daemon left it on disk, written here directly.
  async function leave(job: Partial<Job> & { id: string }, seq: number): Promise<void> {
    const now = new Date().toISOString();
    const full = {
      key: job.id,
      seq,
      kind: 'workflow',
      spec: { document: WORKFLOW, file: null },
      project,
      inputs: {},
      mode: 'manual',
      requireApproval: false,
      status: 'pending',
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      attempts: 0,
      target: null,
      reason: null,
      source: { via: 'webhook' },
      ...job,
    };
    await writeFile(join(home.dir, 'queue', 'jobs', `${job.id}.json`), JSON.stringify(full));
  }

  it('loses no job and starts none twice, whichever step it died after', async () => {
    // A first life: jobs in every state, then the process "dies" (its queue dropped, not stopped).
    const first = openQueue({ maxConcurrent: 1, perProject: 1 });
    await first.start();
    const done = (await first.submit(payload({ key: 'done' }), { source: { via: 'api' } })).job;
    await waitFor(() => first.show(done.id).target !== null);
    engine.end((first.show(done.id).target as { runId: string }).runId, 'succeeded');
    await waitFor(() => statusOf(first, done.id) === 'done');
    const running = (await first.submit(payload({ key: 'running' }), { source: { via: 'api' } })).job;
    await waitFor(() => first.show(running.id).target !== null);
    const pending = (await first.submit(payload({ key: 'pending' }), { source: { via: 'api' } })).job;
    const awaiting = (await first.submit(payload({ requireApproval: true }), { source: { via: 'api' } })).job;
    const failed = (await first.submit(payload({ requireApproval: true }), { source: { via: 'api' } })).job;
    await first.deny(failed.id, null);
    await first.stop();
    queues.length = 0;

    // Crashes between steps, as the files they leave:
    //  - `running` written, the run never created (died before engine.start);
    //  - `running` written and the run created with its tag, its id not yet on the job;
    //  - a run created by the tag but never marked active (died inside engine.start).
    await leave(
      { id: 'jnostart01', status: 'running', attempts: 1, startedAt: new Date().toISOString() },
      100,
    );
    await leave(
      { id: 'jnotarget1', status: 'running', attempts: 1, startedAt: new Date().toISOString() },
      101,
    );
    const orphan = await engine.start({
      spec: WORKFLOW,
      project,
      job: jobTag({ id: 'jnotarget1', attempts: 1 }),
    });
    await leave(
      { id: 'jhalfrun01', status: 'running', attempts: 2, startedAt: new Date().toISOString() },
      102,
    );
    const half = await engine.start({
      spec: WORKFLOW,
      project,
      job: jobTag({ id: 'jhalfrun01', attempts: 2 }),
    });
    engine.active.delete(half.id);
    const startsBefore = engine.starts.length;
    const runningRun = (await jobFile(running.id)).target as { runId: string };

    const second = openQueue({ maxConcurrent: 1, perProject: 1 });
    await second.start();
    expect(
      second
        .list()
        .map((j) => j.id)
        .sort(),
    ).toEqual(
      [
        done.id,
        running.id,
        pending.id,
        awaiting.id,
        failed.id,
        'jnostart01',
        'jnotarget1',
        'jhalfrun01',
      ].sort(),
    );
    expect(statusOf(second, done.id)).toBe('done');
    expect(statusOf(second, awaiting.id)).toBe('awaiting_approval');
    expect(statusOf(second, failed.id)).toBe('failed');
    // Re-attached to its run, which goes on: it ends once, with that run.
    expect(second.show(running.id)).toMatchObject({ status: 'running', target: runningRun, attempts: 1 });
    // Found its run by the tag.
    expect(second.show('jnotarget1')).toMatchObject({ status: 'running', target: { runId: orphan.id } });
    // Never started: pending again, its attempt not counted.
    expect(second.show('jnostart01')).toMatchObject({ status: 'pending', attempts: 0 });
    // Created but never started: failed, naming why, not started again.
    expect(second.show('jhalfrun01')).toMatchObject({ status: 'failed', target: { runId: half.id } });
    expect(engine.starts.length).toBe(startsBefore);

    engine.end(runningRun.runId, 'succeeded');
    engine.end(orphan.id, 'succeeded');
    await waitFor(() => statusOf(second, running.id) === 'done' && statusOf(second, 'jnotarget1') === 'done');
    // A job is running before its run is recorded on it (state before action): wait for both.
    await waitFor(
      () => statusOf(second, pending.id) === 'running' && second.show(pending.id).target !== null,
    );
    engine.end((second.show(pending.id).target as { runId: string }).runId, 'succeeded');
    await waitFor(() => statusOf(second, 'jnostart01') === 'running');
    // Each job started exactly the runs it should: one each.
    const tags = [...engine.runs.values()].map((r) => r.job);
    for (const id of [done.id, running.id, pending.id, 'jnostart01', 'jnotarget1'])
      expect(
        tags.filter((t) => t?.startsWith(`${id}:`)),
        id,
      ).toHaveLength(1);
  });

  it('re-attaches a running job whose run ended while the daemon was down', async () => {
    await new JobStore(join(home.dir, 'queue')).load();
    const run = await engine.start({ spec: WORKFLOW, project, job: 'jendeddown:1' });
    engine.end(run.id, 'succeeded');
    await leave({ id: 'jendeddown', status: 'running', attempts: 1, target: { runId: run.id } }, 0);
    const queue = openQueue();
    await queue.start();
    await waitFor(() => statusOf(queue, 'jendeddown') === 'done');
  });

  it('keeps aside a file that is not a job, and loads the rest', async () => {
    const store = new JobStore(join(home.dir, 'queue'));
    await store.load();
    await leave({ id: 'jgoodone01' }, 0);
    await writeFile(join(home.dir, 'queue', 'jobs', 'jbadone001.json'), '{"id": "jbadone001"');
    const loaded = await store.load();
    expect(loaded).toEqual({ jobs: 1, unreadable: ['jbadone001.json'] });
    expect(
      (await readdir(join(home.dir, 'queue', 'jobs'))).some((n) => n.startsWith('jbadone001.json.corrupt-')),
    ).toBe(true);
  });
});

describe('the webhook route', () => {
  async function server(
    secret: string | null,
  ): Promise<{ app: ReturnType<typeof Fastify>; queue: JobQueue }> {
    const queue = openQueue();
    await queue.start();
    const app = Fastify();
    await webhookPlugin({ queue, secret, logger: silentLogger })(app);
    await app.ready();
    return { app, queue };
  }

  it('with a secret: public, signed bodies only; 202 then 200 for a delivery sent again', async () => {
    const { app, queue } = await server('s3cret');
    const body = JSON.stringify(payload());
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': 'd-1',
    };
    const first = await app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { ...headers, 'x-hub-signature-256': signBody('s3cret', body) },
      payload: body,
    });
    expect(first.statusCode, first.body).toBe(202);
    const job = (first.json() as { job: Job }).job;
    expect(job.source).toEqual({ via: 'webhook', event: 'push', delivery: 'd-1' });
    const again = await app.inject({
      method: 'POST',
      url: '/v1/webhook',
      headers: { ...headers, 'x-hub-signature-256': signBody('s3cret', body) },
      payload: body,
    });
    expect(again.statusCode).toBe(200);
    expect((again.json() as { job: Job }).job.id).toBe(job.id);

    for (const signature of [
      undefined,
      signBody('wrong', body),
      signBody('s3cret', `${body} `),
      'sha256=abc',
    ]) {
      const refused = await app.inject({
        method: 'POST',
        url: '/webhook',
        headers: {
          'content-type': 'application/json',
          ...(signature ? { 'x-hub-signature-256': signature } : {}),
        },
        payload: body,
      });
      expect(refused.statusCode, String(signature)).toBe(401);
    }
    expect(queue.list()).toHaveLength(1);
    const routes = app.printRoutes({ includeHooks: false });
    expect(routes).toContain('webhook');
    await app.close();
  });

  it('without a secret: scope operate; a bad payload is 400 with its path; the schema is served', async () => {
    const { app, queue } = await server(null);
    const bad = await app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ kind: 'task', task: { worker: 'w', command: '' } }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'USAGE', path: '/task/command' } });
    const notJson = await app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    expect(notJson.statusCode).toBe(400);
    const keyed = await app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
      payload: JSON.stringify(payload()),
    });
    expect(keyed.statusCode).toBe(202);
    expect((keyed.json() as { job: Job }).job.key).toBe('k-1');
    const schema = await app.inject({ method: 'GET', url: '/v1/webhook/schema' });
    expect(schema.statusCode).toBe(200);
    expect(JSON.stringify(schema.json())).toContain('requireApproval');
    expect(queue.list()).toHaveLength(1);
    await app.close();
  });

  it('declares the route public with a secret, operate without', async () => {
    for (const [secret, config] of [
      ['s', { public: true }],
      [null, { scope: 'operate' }],
    ] as const) {
      const queue = openQueue();
      await queue.start();
      const app = Fastify();
      const configs: Record<string, unknown> = {};
      app.addHook('onRoute', (route) => {
        if (route.method === 'POST') configs[route.url] = route.config;
      });
      await webhookPlugin({ queue, secret, logger: silentLogger })(app);
      await app.ready();
      expect(configs['/webhook']).toEqual(config);
      expect(configs['/v1/webhook']).toEqual(config);
      await app.close();
    }
  });
});
