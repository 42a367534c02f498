// The webhook plugin on a bare Fastify, sharing the job queue of an in-process fleet (openFleet on
// a private tmux server): a signed GitHub-style delivery becomes a workflow job that runs its one
// shell step to done; the same delivery again is the same job; a wrong signature changes nothing.
import Fastify from 'fastify';
import { expect, it } from 'vitest';
import type { Job, JobStatus } from '../../src/domain/queue/job.js';
import { silentLogger } from '../../src/infrastructure/logs/logger.js';
import { signBody } from '../../src/controller/http/webhook-signature.js';
import { webhookPlugin } from '../../src/controller/http/webhook-route.js';
import { useTestFleets } from '../helpers/fleet.js';
import { waitFor } from '../helpers/wait-for.js';

const fleets = useTestFleets();

it('runs a signed webhook job through the queue to done, once per delivery', async () => {
  const t = await fleets.open();
  const queue = t.fleet.requireQueue();
  const states: JobStatus[] = [];
  queue.on('job.state', (job) => states.push(job.status));
  const app = Fastify();
  await webhookPlugin({ queue, secret: 'hook-secret', logger: silentLogger })(app);
  await app.ready();
  try {
    const project = await t.project('api');
    const body = JSON.stringify({
      kind: 'workflow',
      workflow: { schema_version: 1, name: 'hooked', steps: { s: { run: 'true' } } },
      project,
    });
    const post = (signature: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/webhook',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          'x-hub-signature-256': signature,
        },
        payload: body,
      });
    expect((await post(signBody('not-the-secret', body))).statusCode).toBe(401);
    expect(queue.list()).toEqual([]);

    const accepted = await post(signBody('hook-secret', body));
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { job } = accepted.json<{ job: Job }>();
    const done = await waitFor(() => (queue.show(job.id).status === 'done' ? queue.show(job.id) : false), {
      timeoutMs: 30_000,
    });
    if (!done.target || !('runId' in done.target)) throw new Error('no run');
    expect((await t.fleet.requireWorkflows().status(done.target.runId)).status).toBe('succeeded');
    // The job's own events: its status is shown done as its `done` event is emitted, not after.
    await waitFor(() => states.includes('done'), { timeoutMs: 10_000 });
    expect(states).toEqual(['pending', 'running', 'done']);

    const again = await post(signBody('hook-secret', body));
    expect(again.statusCode).toBe(200);
    expect(again.json<{ job: Job }>().job.id).toBe(job.id);
    expect(queue.list()).toHaveLength(1);
    expect(await t.fleet.requireWorkflows().list()).toHaveLength(1);
  } finally {
    await app.close();
  }
});
