// The main flow, end to end through the built CLI: start → workers → parallel tasks →
// exit codes and timeouts → a killed pane revived → the daemon SIGKILLed mid-task and restarted →
// the tmux server killed and rebuilt → stop --kill-workers. One fleet; the steps run in order.
import { realpath } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  addShell,
  isRunning,
  panesByWorker,
  runJson,
  status,
  type StatusView,
  type TaskResult,
  type WorkerView,
} from './support.js';
import { TASK_RESULT_FIELDS, sendTask, waitResult } from './task-commands.js';
import { useCliFleet } from './cli-fleets.js';

interface StartBody {
  readonly pid: number;
  readonly session: string;
  readonly alreadyRunning: boolean;
}

interface HealthBody {
  readonly complete: boolean;
  readonly healthy: boolean;
  readonly workers: readonly WorkerView[];
}

const NAMES = ['alpha', 'bravo', 'charlie'] as const;

// A task's output starts with the `pwd` it ran in (the project, maybe through a symlink).
async function expectRanIn(result: TaskResult, project: string): Promise<void> {
  const first = (result.output ?? '').split('\n')[0] ?? '';
  expect([project, await realpath(project)]).toContain(first);
}

// The fleet session's windows, one `<index> <name>` a line.
async function windowsOf(fleet: CliFleet): Promise<string[]> {
  const text = await fleet.tmux.tmux(
    'list-windows',
    '-t',
    fleet.session,
    '-F',
    '#{window_index} #{window_name}',
  );
  return text.split('\n');
}

function expectTaskResultShape(result: TaskResult): void {
  for (const field of TASK_RESULT_FIELDS) expect(result, `field ${field}`).toHaveProperty(field);
  expect(typeof result.id).toBe('string');
  expect(typeof result.worker).toBe('string');
  expect(typeof result.status).toBe('string');
  expect(result.exitCode === null || Number.isInteger(result.exitCode)).toBe(true);
  expect(result.output === null || typeof result.output === 'string').toBe(true);
  expect(Number.isNaN(Date.parse(result.startedAt ?? ''))).toBe(false);
  expect(Number.isNaN(Date.parse(result.finishedAt ?? ''))).toBe(false);
  expect(typeof result.durationMs).toBe('number');
  expect(result.durationMs).toBeGreaterThanOrEqual(0);
}

describe('the main flow (start, tasks, recovery, stop)', () => {
  let fleet: CliFleet;
  let pid = 0;
  const workers = new Map<string, WorkerView>();

  const worker = (view: StatusView, name: string): WorkerView => {
    const found = view.workers.find((w) => w.name === name);
    if (!found) throw new Error(`worker ${name} missing from status`);
    return found;
  };

  useCliFleet((made) => (fleet = made));

  it('start launches the daemon and the session with the live status view in window 0', async () => {
    const { exitCode, body } = await runJson<StartBody>(fleet, ['start']);
    expect(exitCode).toBe(0);
    expect(body.alreadyRunning).toBe(false);
    pid = body.pid;
    expect(await fleet.daemonPid()).toBe(pid);
    expect(await isRunning(pid)).toBe(true);
    const view = await status(fleet);
    expect(view.daemon.pid).toBe(pid);
    expect(view.daemon.session).toBe(fleet.session);
    expect(view.workers).toEqual([]);
    const windows = await windowsOf(fleet);
    expect(windows).toContain('0 controller');
    await waitFor(
      async () =>
        (await fleet.tmux.tmux('capture-pane', '-p', '-t', `${fleet.session}:0`)).includes('Workers'),
      { message: 'window 0 shows the status view' },
    );
  });

  it('start again is idempotent', async () => {
    const { exitCode, body } = await runJson<StartBody>(fleet, ['start']);
    expect(exitCode).toBe(0);
    expect(body.alreadyRunning).toBe(true);
    expect(body.pid).toBe(pid);
    expect(await fleet.daemonPid()).toBe(pid);
    const sessions = await fleet.tmux.tmux('list-sessions', '-F', '#{session_name}');
    expect(sessions.split('\n')).toEqual([fleet.session]);
  });

  it('adds three shell workers in three project directories', async () => {
    for (const name of NAMES) workers.set(name, await addShell(fleet, name));
    const view = await status(fleet);
    expect(view.workers.map((w) => w.name).sort()).toEqual([...NAMES]);
    const projects = new Set(view.workers.map((w) => w.project));
    expect(projects.size).toBe(3);
    const panes = await panesByWorker(fleet);
    for (const w of view.workers) {
      expect(w.state).toBe('idle');
      expect(panes.get(w.id)?.paneId).toBe(w.paneId);
    }
    const windows = await fleet.tmux.tmux('list-windows', '-t', fleet.session, '-F', '#{window_name}');
    expect(windows.split('\n')).toEqual(['controller', ...NAMES]);
  });

  it('runs tasks on all three in parallel and collects exit codes and output', async () => {
    const quoted = `echo 'it costs $HOME; or "more"'; printf 'line one\\nline two\\n'`;
    const [okId, failId, multiId] = await Promise.all([
      sendTask(fleet, 'alpha', 'pwd; echo hello-from-alpha'),
      sendTask(fleet, 'bravo', 'pwd; echo bravo-fails >&2; exit 3'),
      sendTask(fleet, 'charlie', `pwd; ${quoted}`),
    ]);
    const ids = [okId, failId, multiId];
    expect(new Set(ids).size).toBe(3);
    const [ok, fail, multi] = await Promise.all(
      [okId, failId, multiId].map((id) => waitResult(fleet, id)),
    ).then(([a, b, c]) => [a!, b!, c!] as const);

    expect(ok.exitCode).toBe(0);
    expect(ok.result).toMatchObject({ id: okId, worker: 'alpha', status: 'succeeded', exitCode: 0 });
    await expectRanIn(ok.result, workers.get('alpha')!.project);
    expect(ok.result.output?.split('\n').slice(1)).toEqual(['hello-from-alpha', '']);

    expect(fail.exitCode).toBe(3);
    expect(fail.result).toMatchObject({ id: failId, worker: 'bravo', status: 'failed', exitCode: 3 });
    await expectRanIn(fail.result, workers.get('bravo')!.project);

    expect(multi.exitCode).toBe(0);
    expect(multi.result).toMatchObject({ id: multiId, worker: 'charlie', status: 'succeeded', exitCode: 0 });
    await expectRanIn(multi.result, workers.get('charlie')!.project);
    expect(multi.result.output?.split('\n').slice(1)).toEqual([
      'it costs $HOME; or "more"',
      'line one',
      'line two',
      '',
    ]);

    for (const id of ids) {
      const { exitCode, body } = await runJson<TaskResult>(fleet, ['result', id]);
      expect(exitCode).toBe(id === failId ? 3 : 0);
      expectTaskResultShape(body);
    }
    const view = await status(fleet);
    const byId = new Map(view.tasks.map((t) => [t.id, t]));
    expect(byId.get(okId)?.status).toBe('succeeded');
    expect(byId.get(failId)).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(byId.get(multiId)?.status).toBe('succeeded');
    expect(view.workers.every((w) => w.state === 'idle')).toBe(true);
  });

  it('send --wait exits with the task exit code and prints the output', async () => {
    const run = await fleet.run(['send', 'alpha', '--wait', '--', 'echo five-out; exit 5']);
    expect(run.exitCode).toBe(5);
    expect(run.stdout).toBe('five-out');
  });

  it('send --wait --timeout stops the task with 124, and the worker takes the next task', async () => {
    const started = Date.now();
    const { exitCode, body } = await runJson<TaskResult>(fleet, [
      'send',
      'bravo',
      '--wait',
      '--timeout',
      '1s',
      '--',
      'sleep 30',
    ]);
    expect(exitCode).toBe(124);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(body.status).toBe('timed_out');
    const again = await runJson<TaskResult>(fleet, ['result', body.id]);
    expect(again.exitCode).toBe(124);
    expect(again.body.status).toBe('timed_out');
    const next = await fleet.run(['send', 'bravo', '--wait', '--', 'echo still-alive']);
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toBe('still-alive');
  });

  it('a killed worker pane is found by the health check and revived in a new pane', async () => {
    const before = worker(await status(fleet), 'charlie');
    expect(before.paneId).toMatch(/^%\d+$/);
    await fleet.tmux.tmux('kill-pane', '-t', before.paneId!);
    const check = await runJson<HealthBody>(fleet, ['health-check']);
    // Exit 1 while the worker is dead or being revived; 0 if the daemon already revived it.
    expect([0, 1]).toContain(check.exitCode);
    expect(check.body.complete).toBe(true);
    expect(check.body.healthy).toBe(check.exitCode === 0);
    if (check.exitCode === 1) {
      expect(['dead', 'reviving', 'starting']).toContain(
        check.body.workers.find((w) => w.name === 'charlie')?.state,
      );
    }
    const revived = await waitFor(
      async () => {
        const w = worker(await status(fleet), 'charlie');
        return w.state === 'idle' && w.paneId !== null && w.paneId !== before.paneId && w.restarts >= 1
          ? w
          : null;
      },
      { message: 'charlie idle in a new pane' },
    );
    expect(revived.id).toBe(before.id);
    expect((await panesByWorker(fleet)).get(revived.id)?.paneId).toBe(revived.paneId);
    const run = await fleet.run(['send', 'charlie', '--wait', '--', 'pwd']);
    expect(run.exitCode).toBe(0);
    expect([before.project, await realpath(before.project)]).toContain(run.stdout.trim());
    const healthy = await fleet.run(['health-check']);
    expect(healthy.exitCode).toBe(0);
  });

  it('a daemon killed with SIGKILL mid-task is replaced by start, which remaps workers and collects the task', async () => {
    const before = await status(fleet);
    const id = await sendTask(fleet, 'alpha', 'sleep 3; echo late; exit 7');
    await waitFor(async () => (await runJson<TaskResult>(fleet, ['result', id])).body.status === 'running', {
      message: 'the task is running',
    });
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => !(await isRunning(pid)), { message: 'the old daemon is gone' });

    const { exitCode, body, run: started } = await runJson<StartBody>(fleet, ['start']);
    expect(exitCode, `start: ${started.stdout}${started.stderr}`).toBe(0);
    expect(body.alreadyRunning).toBe(false);
    expect(body.pid).not.toBe(pid);
    pid = body.pid;
    expect(await fleet.daemonPid()).toBe(pid);

    const after = await status(fleet);
    expect(after.daemon.pid).toBe(pid);
    expect(after.workers.map((w) => w.id).sort()).toEqual(before.workers.map((w) => w.id).sort());
    const panes = await panesByWorker(fleet);
    for (const w of after.workers) {
      expect(['idle', 'busy']).toContain(w.state);
      expect(w.paneId).toMatch(/^%\d+$/);
      expect(panes.get(w.id)?.paneId).toBe(w.paneId);
      expect(w.paneId).toBe(before.workers.find((b) => b.id === w.id)?.paneId);
    }

    const { exitCode: code, result } = await waitResult(fleet, id);
    expect(code).toBe(7);
    expect(result).toMatchObject({ id, worker: 'alpha', status: 'failed', exitCode: 7 });
    expect(result.output).toContain('late');
    expect(result.durationMs).toBeGreaterThanOrEqual(2_900);
    expect(result.durationMs).toBeLessThan(10_000);
    const next = await fleet.run(['send', 'alpha', '--wait', '--', 'echo after-restart']);
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toBe('after-restart');
  });

  it('after the tmux server is killed the daemon re-creates the session and every worker', async () => {
    const before = await status(fleet);
    const oldPids = new Set([...(await panesByWorker(fleet)).values()].map((p) => p.pid));
    await fleet.tmux.tmux('kill-server');
    const rebuilt = await waitFor(
      async () => {
        const view = await status(fleet);
        const panes = await panesByWorker(fleet);
        const ready = view.workers.every((w) => {
          const old = before.workers.find((b) => b.id === w.id);
          const pane = panes.get(w.id);
          return (
            w.state === 'idle' &&
            old !== undefined &&
            w.restarts > old.restarts &&
            pane !== undefined &&
            pane.paneId === w.paneId &&
            !oldPids.has(pane.pid)
          );
        });
        return ready && view.workers.length === 3 ? view : null;
      },
      { timeoutMs: 30_000, message: 'the session and all three workers are back' },
    );
    expect(rebuilt.daemon.pid).toBe(pid);
    expect(await isRunning(pid)).toBe(true);
    const windows = await windowsOf(fleet);
    expect(windows).toContain('0 controller');
    expect(windows.map((l) => l.split(' ')[1]).sort()).toEqual(['controller', ...NAMES].sort());
    for (const name of NAMES) {
      const run = await fleet.run(['send', name, '--wait', '--', `echo back-${name}`]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toBe(`back-${name}`);
    }
  });

  it('stop --kill-workers stops the daemon and closes the session', async () => {
    const run = await fleet.run(['stop', '--kill-workers']);
    expect(run.exitCode).toBe(0);
    await waitFor(async () => !(await isRunning(pid)), { message: 'the daemon exited' });
    expect(await fleet.daemonPid()).toBeNull();
    const has = await fleet.tmux.tmux('has-session', '-t', fleet.session).then(
      () => true,
      () => false,
    );
    expect(has).toBe(false);
    const gone = await runJson<{ error: { code: string } }>(fleet, ['status']);
    expect(gone.exitCode).toBe(1);
    expect(gone.body.error.code).toBe('DAEMON_NOT_RUNNING');
  });
});
