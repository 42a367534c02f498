// Agent workers through the built CLI, with the bundled sim agent (tmuxorch-sim): each task runs
// its headless mode in the worker's shell, continuing the worker's conversation; the parsed result,
// auth failures, usage limits and roles show in `send --wait`, `result` and `status`. One fleet for
// the whole file; each worker keeps its sim sessions in a sim home of its own under the temp dir.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { addSimWorker, expectOk, runJson, workerView, type TaskResult, type WorkerView } from './support.js';
import { sendTask, sendWait, waitResult } from './task-commands.js';
import { useCliFleet } from './cli-fleets.js';

describe('sim agent workers through the CLI', () => {
  let fleet: CliFleet;
  let simHome: string;
  let main: WorkerView;

  const addSim = (name: string, extra: readonly string[] = []): Promise<WorkerView> =>
    addSimWorker(fleet, name, simHome, 'one-shot', extra);

  useCliFleet(async (made) => {
    fleet = made;
    simHome = join(fleet.home.dir, 'sim-home');
    await expectOk(fleet, ['start']);
    main = await addSim('sim-main');
  });

  it('runs a prompt headless and reports what the agent said, under the worker session', async () => {
    const sessionId = main.agentSessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const { exitCode, body } = await sendWait(fleet, 'sim-main', 'write notes.md: hello');
    expect(exitCode, JSON.stringify(body)).toBe(0);
    expect(body).toMatchObject({
      status: 'succeeded',
      exitCode: 0,
      prompt: 'write notes.md: hello',
      reason: null,
      agent: { text: 'wrote notes.md', sessionId, isError: false, resetsAt: null },
    });
    expect(body.agent?.costUsd).toBeGreaterThan(0);
    expect(readFileSync(join(main.project, 'notes.md'), 'utf8')).toBe('hello\n');
    // list and status show the same conversation on the worker.
    const listed = (await runJson<WorkerView[]>(fleet, ['list'])).body.find((w) => w.name === 'sim-main');
    expect(listed?.agentSessionId).toBe(sessionId);
    expect((await workerView(fleet, 'sim-main')).agentSessionId).toBe(sessionId);
  });

  it('a second task continues the same conversation', async () => {
    const { exitCode, body } = await sendWait(fleet, 'sim-main', 'append notes.md: again');
    expect(exitCode).toBe(0);
    expect(body.agent).toMatchObject({ text: 'appended to notes.md', sessionId: main.agentSessionId });
    // The sim's own record of the conversation: both turns in one session file.
    const file = join(simHome, 'sessions', `${main.agentSessionId ?? ''}.json`);
    const session = JSON.parse(readFileSync(file, 'utf8')) as { turns: Array<{ prompt: string }> };
    expect(session.turns.map((t) => t.prompt)).toEqual(['write notes.md: hello', 'append notes.md: again']);
    expect(readFileSync(join(main.project, 'notes.md'), 'utf8')).toBe('hello\nagain\n');
  });

  it("send --wait without --json prints the agent's answer, not its JSON", async () => {
    const run = await fleet.run(['send', 'sim-main', '--wait', '--', 'what is up']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^sim read "what is up" \(10 chars, #[0-9a-f]{8}\)$/);
    expect(run.stdout).not.toContain('{');
    expect(run.stderr).toMatch(/cost \$0\.\d+/);
    const id = /^(t-\S+) on sim-main: succeeded/m.exec(run.stderr)?.[1];
    expect(id, run.stderr).toBeDefined();
    // The raw JSON stays in the task's output.
    const { body } = await runJson<TaskResult>(fleet, ['result', id!]);
    expect(body.agent?.text).toBe(run.stdout);
    expect(JSON.parse(body.output ?? '')).toMatchObject({ type: 'result', is_error: false, num_turns: 3 });
  });

  it('a task the agent fails is failed, with its reason', async () => {
    const { exitCode, body } = await sendWait(fleet, 'sim-main', 'fail: boom');
    expect(exitCode).toBe(1);
    expect(body).toMatchObject({ status: 'failed', exitCode: 1, agent: { isError: true } });
    expect(body.reason).toContain('boom');
    // A plain failure is no condition of the worker: it stays idle, takes the next task.
    expect((await workerView(fleet, 'sim-main')).state).toBe('idle');
  });

  it('a logged-out agent fails its task fast with the fix, and its worker shows auth_required', async () => {
    await addSim('sim-out', ['--env', 'TMUXORCH_SIM_LOGGED_OUT=1']);
    const started = Date.now();
    const { exitCode, body } = await sendWait(fleet, 'sim-out', 'write never.md: x');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(exitCode).toBe(86);
    expect(body.status).toBe('failed');
    expect(body.reason?.toLowerCase()).toContain('not logged in');
    expect(existsSync(join(fleet.home.dir, 'projects', 'sim-out', 'never.md'))).toBe(false);
    const worker = await workerView(fleet, 'sim-out');
    expect(worker.state).toBe('auth_required');
    expect(worker.lastError).toBe(body.reason);
  });

  it('a usage limit holds the worker queue until it resets, then the queue goes on', async () => {
    await addSim('sim-limit');
    const { exitCode, body } = await sendWait(fleet, 'sim-limit', 'limit: 3s');
    expect(exitCode).toBe(1);
    expect(body.status).toBe('failed');
    const resetsAt = body.agent?.resetsAt;
    expect(resetsAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(body.reason).toContain('usage limit');
    // Sent while the limit lasts (the checks below prove it), so it must wait for the reset.
    const next = await sendTask(fleet, 'sim-limit', 'write after.md: later');
    const [queued, limited] = await Promise.all([
      runJson<TaskResult>(fleet, ['result', next]),
      workerView(fleet, 'sim-limit'),
    ]);
    expect(Date.now()).toBeLessThan(Date.parse(resetsAt!));
    expect(queued.body.status).toBe('queued');
    expect(limited).toMatchObject({ state: 'rate_limited', resumesAt: resetsAt, queued: 1 });

    const { exitCode: done, result } = await waitResult(fleet, next);
    expect(done).toBe(0);
    expect(result).toMatchObject({ status: 'succeeded', agent: { text: 'wrote after.md' } });
    expect(Date.parse(result.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(resetsAt!));
    await waitFor(async () => (await workerView(fleet, 'sim-limit')).state === 'idle', {
      message: 'the worker is idle again after the limit',
    });
    expect((await workerView(fleet, 'sim-limit')).resumesAt).toBeNull();
  });

  it("the implementer role approves the agent's questions; the default role does not", async () => {
    await addSim('sim-impl', ['--role', 'implementer']);
    const approved = await sendWait(fleet, 'sim-impl', 'ask: ok?');
    expect(approved.exitCode).toBe(0);
    expect(approved.body).toMatchObject({ status: 'succeeded', agent: { text: 'approved: ok?' } });
    const denied = await sendWait(fleet, 'sim-main', 'ask: ok?');
    expect(denied.exitCode).toBe(1);
    expect(denied.body).toMatchObject({ status: 'failed', agent: { isError: true } });
    expect(denied.body.reason).toContain('not approved: ok?');
  });

  it('a first task that times out does not leave the worker on a session id it may not own', async () => {
    const before = await addSim('sim-timeout');
    // The sim creates its session under the chosen id before the turn runs, then is interrupted.
    const { exitCode } = await runJson<TaskResult>(fleet, [
      'send',
      'sim-timeout',
      '--wait',
      '--timeout',
      '1s',
      '--',
      'sleep 5000',
    ]);
    expect(exitCode).toBe(124);
    const after = await workerView(fleet, 'sim-timeout');
    expect(after.agentSessionId).not.toBe(before.agentSessionId);
    const next = await sendWait(fleet, 'sim-timeout', 'say hello');
    expect(next.exitCode, next.body.reason ?? '').toBe(0);
    expect(next.body.agent?.sessionId).toBe(after.agentSessionId);
  });
});
