// Interactive agent workers through the built CLI, with the bundled sim agent's TUI in the pane:
// tasks are pasted and submitted with Enter (verified, re-pressed, else `unsubmitted`), the end of
// a turn comes from the sim's Stop hook, approvals are answered with approve/deny, timeouts
// interrupt with Esc, and the conversation survives a daemon restart and a killed pane. One fleet
// for the file; each test has its own worker and project; sim sessions live in one sim home.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { addSimWorker, expectFailure, expectOk, runJson, workerView, type WorkerView } from './support.js';
import { sendTask, sendWait, waitResult } from './task-commands.js';
import { useCliFleet } from './cli-fleets.js';

const SLOW = 120_000;

describe('interactive sim agent workers through the CLI', () => {
  let fleet: CliFleet;
  let simHome: string;

  async function addInteractive(name: string, env: readonly string[] = []): Promise<WorkerView> {
    const envArgs = env.flatMap((pair) => ['--env', pair]);
    const body = await addSimWorker(fleet, name, simHome, 'interactive', envArgs);
    expect(body.agentSessionId).toMatch(/^[0-9a-f-]{36}$/);
    return body;
  }

  const waitState = (name: string, state: string, timeoutMs = 30_000): Promise<WorkerView> =>
    waitFor(
      async () => {
        const w = await workerView(fleet, name);
        return w.state === state ? w : null;
      },
      { timeoutMs, intervalMs: 100, message: `${name} is ${state}` },
    );

  // The sim's own record of the conversation.
  function turnsOf(sessionId: string | null): Array<{ prompt: string; reply: string }> {
    const file = join(simHome, 'sessions', `${sessionId ?? ''}.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { turns: Array<{ prompt: string; reply: string }> })
      .turns;
  }

  // Command lines of the live processes (NUL-separated arguments).
  async function commandLines(): Promise<string[]> {
    const pids = (await readdir('/proc').catch(() => [] as string[])).filter((e) => /^\d+$/.test(e));
    const lines = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')));
    return lines.filter((l) => l !== '');
  }

  useCliFleet(async (made) => {
    fleet = made;
    simHome = join(fleet.home.dir, 'sim-home');
    // A fast health sweep, so a killed pane is noticed (and revived) within a second or so.
    const home = String(fleet.env.TMUXORCH_HOME);
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'config.json'), JSON.stringify({ healthIntervalMs: 300 }));
    await expectOk(fleet, ['start']);
  });

  it('an approval asked, approved, then the turn finishes', { timeout: SLOW }, async () => {
    const worker = await addInteractive('ia-approve');
    const id = await sendTask(fleet, 'ia-approve', 'ask: deploy?\nwrite d.txt: deployed');
    const asking = await waitState('ia-approve', 'awaiting_approval');
    expect(asking.runningTask).toBe(id);
    const listed = (await runJson<WorkerView[]>(fleet, ['list'])).body.find((w) => w.name === 'ia-approve');
    expect(listed?.state).toBe('awaiting_approval');
    await expectOk(fleet, ['approve', 'ia-approve']);
    const { exitCode, result } = await waitResult(fleet, id);
    expect(exitCode, JSON.stringify(result)).toBe(0);
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0, reason: null });
    expect(result.agent?.text).toContain('approved: deploy?');
    expect(result.agent?.text).toContain('wrote d.txt');
    expect(result.agent?.sessionId).toBe(worker.agentSessionId);
    expect(readFileSync(join(worker.project, 'd.txt'), 'utf8')).toBe('deployed\n');
    await waitState('ia-approve', 'idle');
  });

  it(
    'a denied approval fails the task; approve on a worker that asks nothing is a usage error',
    { timeout: SLOW },
    async () => {
      const worker = await addInteractive('ia-deny');
      const id = await sendTask(fleet, 'ia-deny', 'ask: deploy?\nwrite d.txt: deployed');
      await waitState('ia-deny', 'awaiting_approval');
      await expectOk(fleet, ['deny', 'ia-deny']);
      const { exitCode, result } = await waitResult(fleet, id);
      expect(exitCode).toBe(1);
      expect(result).toMatchObject({ status: 'failed', agent: { isError: true } });
      expect(result.reason).toContain('not approved: deploy?');
      expect(existsSync(join(worker.project, 'd.txt'))).toBe(false);
      await waitState('ia-deny', 'idle');
      const error = await expectFailure(fleet, ['approve', 'ia-deny'], 'USAGE', 2, { plain: true });
      expect(error.message).toContain('not waiting for an approval');
    },
  );

  it(
    'an Enter the TUI dropped is pressed again; a prompt never taken is unsubmitted and cleared',
    { timeout: SLOW },
    async () => {
      await addInteractive('ia-drop1', ['TMUXORCH_SIM_DROP_ENTER=1']);
      const once = await sendWait(fleet, 'ia-drop1', 'write once.txt: ok');
      expect(once.exitCode, JSON.stringify(once.body)).toBe(0);
      expect(once.body).toMatchObject({ status: 'succeeded', agent: { text: 'wrote once.txt' } });

      // 5 dropped presses: the first task's 3 are all lost, the second task's 3rd press submits.
      const worker = await addInteractive('ia-drop5', ['TMUXORCH_SIM_DROP_ENTER=5']);
      const lost = await sendWait(fleet, 'ia-drop5', 'first prompt');
      expect(lost.exitCode).not.toBe(0);
      expect(lost.body.status).toBe('unsubmitted');
      expect(lost.body.reason).toContain('Enter');
      const next = await sendWait(fleet, 'ia-drop5', 'second prompt');
      expect(next.exitCode, JSON.stringify(next.body)).toBe(0);
      expect(next.body.status).toBe('succeeded');
      expect(next.body.agent?.text).toMatch(/^sim read "second prompt" \(13 chars, #[0-9a-f]{8}\)$/);
      expect(next.body.agent?.text).not.toContain('first');
      expect(turnsOf(worker.agentSessionId).map((t) => t.prompt)).toEqual(['second prompt']);
    },
  );

  it(
    'a timeout interrupts the turn with Esc; the worker takes the next task',
    { timeout: SLOW },
    async () => {
      await addInteractive('ia-timeout');
      const started = Date.now();
      const late = await sendWait(fleet, 'ia-timeout', 'sleep 20000', ['--timeout', '2s']);
      expect(late.exitCode).toBe(124);
      expect(late.body.status).toBe('timed_out');
      expect(Date.now() - started).toBeLessThan(15_000);
      const next = await sendWait(fleet, 'ia-timeout', 'write after.txt: yes');
      expect(next.exitCode, JSON.stringify(next.body)).toBe(0);
      expect(next.body).toMatchObject({ status: 'succeeded', agent: { text: 'wrote after.txt' } });
      await waitState('ia-timeout', 'idle');
    },
  );

  it('the conversation survives a daemon restart (the TUI keeps running)', { timeout: SLOW }, async () => {
    const worker = await addInteractive('ia-restart');
    const sessionId = worker.agentSessionId;
    for (const prompt of ['write r.txt: one', 'append r.txt: two']) {
      const { exitCode, body } = await sendWait(fleet, 'ia-restart', prompt);
      expect(exitCode, JSON.stringify(body)).toBe(0);
      expect(body.agent?.sessionId).toBe(sessionId);
    }
    const daemon = await fleet.daemonPid();
    await expectOk(fleet, ['stop']);
    await expectOk(fleet, ['start']);
    expect(await fleet.daemonPid()).not.toBe(daemon);
    const after = await waitState('ia-restart', 'idle');
    expect(after).toMatchObject({ paneId: worker.paneId, restarts: 0, agentSessionId: sessionId });
    const third = await sendWait(fleet, 'ia-restart', 'append r.txt: three');
    expect(third.exitCode, JSON.stringify(third.body)).toBe(0);
    expect(third.body).toMatchObject({
      status: 'succeeded',
      agent: { text: 'appended to r.txt', sessionId },
    });
    expect(turnsOf(sessionId)).toHaveLength(3);
    expect(readFileSync(join(worker.project, 'r.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
  });

  it('a killed pane is revived with the TUI resuming the same conversation', { timeout: SLOW }, async () => {
    const worker = await addInteractive('ia-revive');
    const sessionId = worker.agentSessionId;
    const first = await sendWait(fleet, 'ia-revive', 'write k.txt: before');
    expect(first.exitCode, JSON.stringify(first.body)).toBe(0);
    const turns = turnsOf(sessionId).length;
    expect(turns).toBe(1);

    await fleet.tmux.tmux('kill-pane', '-t', worker.paneId!);
    const revived = await waitFor(
      async () => {
        const w = await workerView(fleet, 'ia-revive');
        return w.state === 'idle' && w.restarts === 1 && w.paneId !== worker.paneId ? w : null;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'ia-revive idle again in a new pane' },
    );
    expect(revived.agentSessionId).toBe(sessionId);
    // The revived TUI was started on the worker's conversation: `tmuxorch-sim --resume <id>`.
    await waitFor(async () => (await commandLines()).some((l) => l.includes(`--resume\0${sessionId}\0`)), {
      timeoutMs: 10_000,
      message: `a tmuxorch-sim --resume ${sessionId} process`,
    });
    const next = await sendWait(fleet, 'ia-revive', 'append k.txt: after');
    expect(next.exitCode, JSON.stringify(next.body)).toBe(0);
    expect(next.body).toMatchObject({ status: 'succeeded', agent: { text: 'appended to k.txt', sessionId } });
    expect(turnsOf(sessionId).map((t) => t.prompt)).toEqual(['write k.txt: before', 'append k.txt: after']);
    expect(readFileSync(join(worker.project, 'k.txt'), 'utf8')).toBe('before\nafter\n');
  });
});
