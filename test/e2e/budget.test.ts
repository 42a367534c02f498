// Daily budgets on agent work: a limit reached holds the next agent task (its worker
// awaiting_approval with the reason, in `status`, `budget` and a workflow's audit) while work
// already running finishes; shell workers are never held; approve lets the held task run once,
// deny ends it denied, a raised limit in config.json lets it go without a restart; the spend
// survives kill -9 of the daemon and `budget` reads it with no daemon.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BudgetView } from '../../src/domain/budget/budget-view.js';
import type { CliFleet } from '../helpers/cli.js';
import { gitProject } from '../helpers/git-project.js';
import { waitFor } from '../helpers/wait-for.js';
import { startFlow, stepOf, waitForFlow, writeWorkflow } from '../helpers/workflow-runs.js';
import { useFreshCliFleets } from './cli-fleets.js';
import {
  addShell,
  addSimWorker,
  expectOk,
  runJson,
  status,
  workerView,
  type TaskResult,
  killDaemonHard,
} from './support.js';

async function budget(fleet: CliFleet): Promise<BudgetView> {
  const { exitCode, body, run } = await runJson<BudgetView>(fleet, ['budget']);
  expect(exitCode, `${run.stdout}${run.stderr}`).toBe(0);
  return body;
}

async function result(fleet: CliFleet, id: string): Promise<TaskResult> {
  return (await runJson<TaskResult>(fleet, ['result', id])).body;
}

async function send(fleet: CliFleet, worker: string, prompt: string): Promise<string> {
  const sent = await runJson<TaskResult>(fleet, ['send', worker, '--', prompt]);
  expect(sent.exitCode, sent.run.stderr).toBe(0);
  return sent.body.id;
}

async function heldFor(fleet: CliFleet, worker: string): Promise<string> {
  return waitFor(
    async () => {
      const view = await workerView(fleet, worker);
      return view.state === 'awaiting_approval' && view.awaitingApproval !== null && view.awaitingApproval;
    },
    { message: `${worker} is held by the budget`, timeoutMs: 30_000 },
  );
}

async function ended(fleet: CliFleet, id: string, timeoutMs = 60_000): Promise<TaskResult> {
  return waitFor(
    async () => {
      const r = await result(fleet, id);
      return !['queued', 'running'].includes(r.status) && r;
    },
    { message: `task ${id} ends`, timeoutMs },
  );
}

describe('budgets', () => {
  const fleets = useFreshCliFleets();

  it('holds a workflow run mid-way once its project has spent its agent calls; approve goes on', async () => {
    const fleet = await fleets.create();
    await expectOk(fleet, ['start']);
    const project = await gitProject(join(fleet.home.dir, 'api'));
    await expectOk(fleet, ['config', 'set', 'budget.perProject.agentCalls', '1']);
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: two-turns
roles: { helper: { agent: sim, edits: false } }
steps:
  one: { role: helper, prompt: first }
  two: { role: helper, prompt: second, needs: one }
`,
    );
    const id = await startFlow(fleet, file, project);
    const held = await waitFor(
      async () => {
        const view = await budget(fleet);
        return view.waiting.length === 1 && view;
      },
      { message: 'the second step is held', timeoutMs: 60_000 },
    );
    const run = await waitForFlow(fleet, id, (r) => stepOf(r, 'two').status === 'running', 'step two runs');
    expect(stepOf(run, 'one').status).toBe('succeeded');
    const line = held.projects.find((p) => p.project === project);
    expect(line).toMatchObject({ agentCalls: { used: 1, limit: 1 }, glob: null });
    expect(line?.reached).toBe(
      `the daily budget of project ${project} is reached: 1 agent call on ${held.day} (limit 1 agent call)`,
    );
    expect(held.waiting[0]?.worker).toBe(stepOf(run, 'two').worker);
    const reason = await heldFor(fleet, String(stepOf(run, 'two').worker));
    expect(reason).toContain(`the daily budget of project ${project} is reached`);

    await expectOk(fleet, ['flow', 'approve', id]);
    expect((await waitForFlow(fleet, id)).status).toBe('succeeded');
    const audit = (await readFile(join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toContainEqual(
      expect.objectContaining({ event: 'policy_decision', step: 'two', what: 'budget', effect: 'ask' }),
    );
    // Past the limit by a person's say-so: both calls are counted.
    expect((await budget(fleet)).projects.find((p) => p.project === project)?.agentCalls.used).toBe(2);
  });

  it('lets running work finish, never holds a shell worker, and lets held work go when the limit is raised', async () => {
    const fleet = await fleets.create();
    await expectOk(fleet, ['start']);
    const simHome = join(fleet.home.dir, 'sim');
    await addSimWorker(fleet, 'slow', simHome, 'one-shot');
    await addSimWorker(fleet, 'quick', simHome, 'one-shot');
    await addShell(fleet, 'sh');
    await expectOk(fleet, ['config', 'set', 'budget.daily.agentCalls', '2']);

    const long = await send(fleet, 'slow', 'sleep 15000');
    await waitFor(async () => (await result(fleet, long)).status === 'running', { message: 'slow runs' });
    const quick = await send(fleet, 'quick', 'say hi');
    expect((await ended(fleet, quick)).status).toBe('succeeded');
    // The limit is reached with the slow task still running: it is not stopped.
    expect((await result(fleet, long)).status).toBe('running');
    const next = await send(fleet, 'quick', 'say again');
    expect(await heldFor(fleet, 'quick')).toContain("the fleet's daily budget is reached: 2 agent calls");
    expect((await result(fleet, next)).status).toBe('queued');
    expect((await ended(fleet, long)).status).toBe('succeeded');
    const shell = await runJson<TaskResult>(fleet, ['send', 'sh', '--wait', '--', 'echo fine']);
    expect(shell.body).toMatchObject({ status: 'succeeded', exitCode: 0 });

    const raised = await expectOk(fleet, ['config', 'set', 'budget.daily.agentCalls', '10']);
    expect(raised.stdout).toContain('a running daemon applies it within seconds');
    expect((await ended(fleet, next)).status).toBe('succeeded');
    const view = await budget(fleet);
    expect(view.fleet).toMatchObject({ agentCalls: { used: 3, limit: 10 }, reached: null });
    expect(view.waiting).toEqual([]);
  });

  it('keeps the spend and the hold across kill -9; deny ends the held task; budget reads the spend with no daemon', async () => {
    const fleet = await fleets.create();
    await expectOk(fleet, ['start']);
    await addSimWorker(fleet, 'agent', join(fleet.home.dir, 'sim'), 'one-shot');
    await expectOk(fleet, ['config', 'set', 'budget.daily.costUsd', '0.00001']);
    const first = await runJson<TaskResult>(fleet, ['send', 'agent', '--wait', '--', 'say one']);
    expect(first.body.status).toBe('succeeded');
    const cost = first.body.agent?.costUsd ?? 0;
    expect(cost).toBeGreaterThan(0.00001);
    const held = await send(fleet, 'agent', 'say two');
    expect(await heldFor(fleet, 'agent')).toContain("the fleet's daily budget is reached: $");
    const before = await budget(fleet);
    expect(before.fleet.costUsd).toEqual({ used: cost, limit: 0.00001 });

    await killDaemonHard(fleet);
    await expectOk(fleet, ['start']);
    expect((await budget(fleet)).fleet).toEqual(before.fleet);
    expect(await heldFor(fleet, 'agent')).toContain("the fleet's daily budget is reached");

    await expectOk(fleet, ['deny', 'agent']);
    const denied = await ended(fleet, held);
    expect(denied.status).toBe('denied');
    expect(denied.reason).toContain("a person denied it: the fleet's daily budget is reached");
    expect((await status(fleet)).workers.find((w) => w.name === 'agent')?.state).toBe('idle');

    await expectOk(fleet, ['stop']);
    const offline = await budget(fleet);
    expect(offline.fleet.costUsd).toEqual({ used: cost, limit: 0.00001 });
    expect(offline.waiting).toEqual([]);
    const human = await expectOk(fleet, ['budget']);
    expect(human.stdout).toContain('REACHED');
  });
});
