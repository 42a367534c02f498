// The durable job queue through the built CLI and a real daemon: a workflow job of one shell step
// runs to done with its run id; a key sent twice is one job; approval holds a job (approve runs
// it, deny fails it); capacity 1 holds a second job back; and `kill -9` of the daemon with jobs
// in every state loses none and runs none twice.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job, JobSummary } from '../../src/domain/queue/job.js';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { writeWorkflow } from '../helpers/workflow-runs.js';
import { useCliFleet } from './cli-fleets.js';
import { expectOk, runJson, killDaemonHard } from './support.js';

interface Submitted {
  job: Job;
  created: boolean;
}

async function submit(fleet: CliFleet, args: readonly string[]): Promise<Submitted> {
  const { exitCode, body, run } = await runJson<Submitted>(fleet, ['queue', 'submit', ...args]);
  expect(exitCode, `${run.stderr}${run.stdout}`).toBe(0);
  return body;
}

async function show(fleet: CliFleet, id: string): Promise<Job> {
  const { exitCode, body } = await runJson<Job>(fleet, ['queue', 'show', id]);
  expect(exitCode).toBe(0);
  return body;
}

async function waitStatus(fleet: CliFleet, id: string, status: Job['status']): Promise<Job> {
  let last: Job | null = null;
  return waitFor(
    async () => {
      last = await show(fleet, id);
      return last.status === status ? last : false;
    },
    { timeoutMs: 60_000, intervalMs: 150, message: `job ${id} is ${status} (last: ${JSON.stringify(last)})` },
  );
}

function runIdOf(job: Job): string {
  if (!job.target || !('runId' in job.target)) throw new Error(`job ${job.id} started no run`);
  return job.target.runId;
}

// The job tag of every run on disk (run.json's `job`), by run id.
async function runTags(fleet: CliFleet): Promise<Map<string, string | null>> {
  const flows = join(fleet.home.dir, 'home', 'flows');
  const tags = new Map<string, string | null>();
  for (const id of await readdir(flows).catch(() => [] as string[])) {
    const run = JSON.parse(await readFile(join(flows, id, 'run.json'), 'utf8')) as { job?: string };
    tags.set(id, run.job ?? null);
  }
  return tags;
}

const TRUE_FLOW = 'schema_version: 1\nname: one\nsteps:\n  s: { run: "true" }\n';

// A step that counts its starts in the project and waits until the test releases it.
function heldFlow(name: string): string {
  return `schema_version: 1\nname: ${name}\nsteps:\n  s: { run: "echo started >> ${name}.starts; while [ ! -f ${name}.go ]; do sleep 0.1; done" }\n`;
}

describe('queue jobs', () => {
  let fleet: CliFleet;
  let project = '';
  useCliFleet(
    async (made) => {
      fleet = made;
      project = await made.home.project('api');
    },
    { shells: ['w1'] },
  );

  it('runs a task job on a worker to done with its task id', async () => {
    const { job } = await submit(fleet, ['--worker', 'w1', '--command', 'echo from-the-queue']);
    expect(job.kind).toBe('task');
    const done = await waitStatus(fleet, job.id, 'done');
    if (!done.target || !('taskId' in done.target)) throw new Error('no task');
    const result = await runJson<{ status: string; output: string }>(fleet, ['result', done.target.taskId]);
    expect(result.body).toMatchObject({ status: 'succeeded' });
    expect(result.body.output).toContain('from-the-queue');
    const failing = await submit(fleet, ['--worker', 'w1', '--command', 'exit 3']);
    expect((await waitStatus(fleet, failing.job.id, 'failed')).reason).toBe('task failed (exit 3)');
    const noWorker = await runJson<{ error: { code: string } }>(fleet, [
      'queue',
      'submit',
      '--worker',
      'nope',
      '--command',
      'true',
    ]);
    expect(noWorker.body.error.code).toBe('WORKER_NOT_FOUND');
  });

  it('runs a workflow job to done with its run id; the same key twice is one job', async () => {
    const file = await writeWorkflow(fleet, TRUE_FLOW);
    const first = await submit(fleet, ['--workflow', file, '--project', project, '--key', 'push-1']);
    expect(first.created).toBe(true);
    expect(first.job.source.via).toBe('cli');
    const again = await submit(fleet, ['--workflow', file, '--project', project, '--key', 'push-1']);
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });

    const done = await waitStatus(fleet, first.job.id, 'done');
    const runId = runIdOf(done);
    const run = await runJson<{ status: string }>(fleet, ['flow', 'status', runId]);
    expect(run.body.status).toBe('succeeded');
    expect((await runTags(fleet)).get(runId)).toBe(`${first.job.id}:1`);
    const list = await runJson<{ jobs: JobSummary[] }>(fleet, ['queue', 'list']);
    expect(list.body.jobs.filter((j) => j.key === 'push-1')).toHaveLength(1);
    const human = await fleet.run(['queue', 'list']);
    expect(human.stdout).toContain(first.job.id);
  });

  it('holds a job for approval: approve runs it, deny fails it', async () => {
    const file = await writeWorkflow(fleet, TRUE_FLOW);
    const held = await submit(fleet, ['--workflow', file, '--project', project, '--require-approval']);
    expect(held.job.status).toBe('awaiting_approval');
    const refused = await submit(fleet, ['--workflow', file, '--project', project, '--require-approval']);
    expect((await show(fleet, held.job.id)).status).toBe('awaiting_approval');

    await expectOk(fleet, ['queue', 'approve', held.job.id]);
    runIdOf(await waitStatus(fleet, held.job.id, 'done'));
    const denied = await runJson<Job>(fleet, ['queue', 'deny', refused.job.id, '--reason', 'not today']);
    expect(denied.body).toMatchObject({ status: 'failed', reason: 'denied: not today', target: null });
    const again = await runJson<{ error: { code: string } }>(fleet, ['queue', 'approve', refused.job.id]);
    expect(again.exitCode).toBe(2);
    expect(again.body.error.code).toBe('USAGE');
    const missing = await runJson<{ error: { code: string } }>(fleet, ['queue', 'show', 'jnosuchjob1']);
    expect(missing.body.error.code).toBe('JOB_NOT_FOUND');
  });

  it('refuses a payload that is not a job, naming the field', async () => {
    const bad = join(fleet.home.dir, 'bad-job.json');
    await writeFile(bad, JSON.stringify({ kind: 'task', task: { worker: 'w', command: '' } }));
    const refused = await runJson<{ error: { code: string; details: { field: string } } }>(fleet, [
      'queue',
      'submit',
      '--payload',
      bad,
    ]);
    expect(refused.exitCode).toBe(2);
    expect(refused.body.error).toMatchObject({ code: 'USAGE', details: { field: '/task/command' } });
    const schema = await fleet.run(['schema', 'job']);
    expect(schema.exitCode).toBe(0);
    expect(JSON.parse(schema.stdout)).toHaveProperty('oneOf');
  });
});

describe('a queue of capacity 1', () => {
  let fleet: CliFleet;
  let project = '';
  useCliFleet(async (made) => {
    fleet = made;
    project = await made.home.project('api');
    await expectOk(made, ['config', 'set', 'queue', '{"maxConcurrent":1}']);
    await expectOk(made, ['start']);
  });

  it('keeps a second job pending until the first is done', async () => {
    const first = await submit(fleet, [
      '--workflow',
      await writeWorkflow(fleet, heldFlow('cap')),
      '--project',
      project,
    ]);
    const second = await submit(fleet, [
      '--workflow',
      await writeWorkflow(fleet, TRUE_FLOW),
      '--project',
      project,
    ]);
    await waitStatus(fleet, first.job.id, 'running');
    await waitFor(async () => (await readFile(join(project, 'cap.starts'), 'utf8').catch(() => '')) !== '');
    expect((await show(fleet, second.job.id)).status).toBe('pending');
    await writeFile(join(project, 'cap.go'), '');
    await waitStatus(fleet, first.job.id, 'done');
    await waitStatus(fleet, second.job.id, 'done');
  });

  it('loses no job and runs none twice across kill -9 of the daemon', async () => {
    const doneJob = (
      await submit(fleet, ['--workflow', await writeWorkflow(fleet, TRUE_FLOW), '--project', project])
    ).job;
    const doneRun = runIdOf(await waitStatus(fleet, doneJob.id, 'done'));
    const failedJob = (
      await submit(fleet, [
        '--workflow',
        await writeWorkflow(fleet, TRUE_FLOW),
        '--project',
        project,
        '--require-approval',
      ])
    ).job;
    await expectOk(fleet, ['queue', 'deny', failedJob.id]);
    const runningJob = (
      await submit(fleet, ['--workflow', await writeWorkflow(fleet, heldFlow('kill')), '--project', project])
    ).job;
    const pendingJob = (
      await submit(fleet, ['--workflow', await writeWorkflow(fleet, TRUE_FLOW), '--project', project])
    ).job;
    const awaitingJob = (
      await submit(fleet, [
        '--workflow',
        await writeWorkflow(fleet, TRUE_FLOW),
        '--project',
        project,
        '--require-approval',
      ])
    ).job;
    await waitStatus(fleet, runningJob.id, 'running');
    const runningRun = runIdOf(
      await waitFor(async () => {
        const job = await show(fleet, runningJob.id);
        return job.target ? job : false;
      }),
    );
    await waitFor(async () => (await readFile(join(project, 'kill.starts'), 'utf8').catch(() => '')) !== '');

    await killDaemonHard(fleet);
    await expectOk(fleet, ['start']);

    const after = await runJson<{ jobs: JobSummary[] }>(fleet, ['queue', 'list']);
    const byId = new Map(after.body.jobs.map((j) => [j.id, j]));
    expect(byId.get(doneJob.id)).toMatchObject({ status: 'done', target: { runId: doneRun } });
    expect(byId.get(failedJob.id)?.status).toBe('failed');
    expect(byId.get(awaitingJob.id)?.status).toBe('awaiting_approval');
    expect(byId.get(runningJob.id)).toMatchObject({ status: 'running', target: { runId: runningRun } });
    expect(byId.get(pendingJob.id)?.status).toBe('pending');

    await writeFile(join(project, 'kill.go'), '');
    expect(runIdOf(await waitStatus(fleet, runningJob.id, 'done'))).toBe(runningRun);
    await waitStatus(fleet, pendingJob.id, 'done');
    expect(await readFile(join(project, 'kill.starts'), 'utf8')).toBe('started\n');
    // One run per job that started, the one it names.
    const tags = [...(await runTags(fleet)).values()];
    for (const job of [doneJob, runningJob, pendingJob])
      expect(
        tags.filter((t) => t?.startsWith(`${job.id}:`)),
        job.id,
      ).toHaveLength(1);
    for (const job of [failedJob, awaitingJob])
      expect(
        tags.filter((t) => t?.startsWith(`${job.id}:`)),
        job.id,
      ).toHaveLength(0);
    const flows = await runJson<{ runs: { id: string }[] }>(fleet, ['flow', 'list']);
    expect(flows.body.runs.map((r) => r.id)).toContain(runningRun);
    expect((await show(fleet, awaitingJob.id)).status).toBe('awaiting_approval');
  }, 120_000);
});
