// Health sweeps, revival, the restart policy, restarts of the controller and of the tmux server.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/application/contract/views.js';
import type { UserConfig } from '../../src/infrastructure/config/settings.js';
import { useTestFleets, type TestFleet } from '../helpers/fleet.js';
import { waitFor } from '../helpers/wait-for.js';

// Sweeps only when a test asks for one; revivals start almost at once.
const FAST: UserConfig = {
  healthIntervalMs: 3_600_000,
  restart: { maxRestarts: 5, windowMs: 60_000, baseDelayMs: 10, maxDelayMs: 20, factor: 1 },
};

describe('fleet health', () => {
  const fleets = useTestFleets();

  const open = (config: UserConfig = FAST): Promise<TestFleet> => fleets.open({ config });

  const run = async (f: TestFleet, worker: string, command: string): Promise<TaskResult> =>
    f.fleet.wait((await f.fleet.send({ worker, command })).id);

  // The worker id each live pane of the fleet's session carries, by pane id.
  const paneOwners = async (f: TestFleet): Promise<Map<string, string>> => {
    const out = await f.tmux.tmux(
      'list-panes',
      '-s',
      '-t',
      f.session,
      '-F',
      '#{pane_id} #{pane_dead} #{@tmuxorch_worker}',
    );
    const owners = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [pane, dead, worker] = line.split(' ');
      if (pane && dead === '0' && worker) owners.set(pane, worker);
    }
    return owners;
  };

  it('revives a worker whose pane was killed in a new pane', async () => {
    const f = await open();
    const w = await f.addShell('victim');
    const oldPane = w.paneId ?? '';
    await f.tmux.tmux('kill-pane', '-t', oldPane);
    const report = await f.fleet.healthCheck();
    expect(report.complete).toBe(true);
    expect(report.verdicts).toContainEqual(
      expect.objectContaining({ workerId: w.id, kind: 'dead', paneId: null }),
    );
    const revived = await f.waitIdle(w.name, { notPane: oldPane });
    expect(revived.restarts).toBe(1);
    expect(revived.lastError).toBeNull();
    expect((await paneOwners(f)).get(revived.paneId ?? '')).toBe(w.id);
    expect(await run(f, w.name, 'pwd')).toMatchObject({ status: 'succeeded', output: `${w.project}\n` });
  });

  it('revives a worker whose shell exited in place (remain-on-exit keeps the dead pane)', async () => {
    const f = await open();
    const w = await f.addShell('exiter');
    const pane = w.paneId ?? '';
    await f.tmux.tmux('send-keys', '-t', pane, 'kill -9 $$', 'Enter');
    await waitFor(
      async () => (await f.tmux.tmux('display-message', '-p', '-t', pane, '#{pane_dead}')) === '1',
      {
        message: 'pane dead',
      },
    );
    const report = await f.fleet.healthCheck();
    expect(report.verdicts).toContainEqual(
      expect.objectContaining({ workerId: w.id, kind: 'dead', paneId: pane }),
    );
    await waitFor(() => f.worker(w.name).restarts === 1 && f.worker(w.name).state === 'idle', {
      message: 'revived',
    });
    expect(f.worker(w.name).paneId).toBe(pane);
    expect(await f.tmux.tmux('display-message', '-p', '-t', pane, '#{pane_dead}')).toBe('0');
    expect(await run(f, w.name, 'echo back')).toMatchObject({ status: 'succeeded', output: 'back\n' });
  });

  it('gives up after the restart limit: the worker is failed with the reason, and a manual revive works', async () => {
    const f = await open({
      ...FAST,
      restart: { maxRestarts: 2, windowMs: 60_000, baseDelayMs: 10, maxDelayMs: 20, factor: 1 },
    });
    const w = await f.addShell('crashy');
    for (let i = 1; i <= 2; i++) {
      const pane = f.worker(w.name).paneId ?? '';
      await f.tmux.tmux('kill-pane', '-t', pane);
      await f.fleet.healthCheck();
      const revived = await f.waitIdle(w.name, { notPane: pane });
      expect(revived.restarts).toBe(i);
    }
    await f.tmux.tmux('kill-pane', '-t', f.worker(w.name).paneId ?? '');
    await f.fleet.healthCheck();
    const failed = f.worker(w.name);
    expect(failed.state).toBe('failed');
    expect(failed.restarts).toBe(2);
    expect(failed.lastError).toMatch(/restarted 2 times within 60 s/);
    // Given up means no more restarts, however many sweeps follow.
    await f.fleet.healthCheck();
    expect(f.worker(w.name).state).toBe('failed');
    const manual = await f.fleet.revive(w.name);
    expect(manual.state).toBe('idle');
    expect(await run(f, w.name, 'echo manual')).toMatchObject({ status: 'succeeded' });
  });

  it('re-queues a running task of a killed worker while retries last, else marks it lost', async () => {
    const f = await open();
    const [retry, once] = await Promise.all([f.addShell('retry'), f.addShell('once')]);
    // First attempt: leaves a flag and hangs; second attempt: finds the flag and ends.
    const command = 'if [ -e flag ]; then echo second-attempt; else touch flag; sleep 30; fi';
    const withRetry = await f.fleet.send({ worker: retry.name, command, retries: 1 });
    const without = await f.fleet.send({ worker: once.name, command, retries: 0 });
    await waitFor(async () => {
      const flags = await Promise.all(
        [retry, once].map((w) =>
          readFile(join(w.project, 'flag')).then(
            () => true,
            () => false,
          ),
        ),
      );
      return flags.every(Boolean);
    });
    await f.tmux.tmux('kill-pane', '-t', retry.paneId ?? '');
    await f.tmux.tmux('kill-pane', '-t', once.paneId ?? '');
    await f.fleet.healthCheck();
    const [r1, r2] = await Promise.all([f.fleet.wait(withRetry.id), f.fleet.wait(without.id)]);
    expect(r1).toMatchObject({ status: 'succeeded', exitCode: 0, output: 'second-attempt\n', attempts: 2 });
    expect(r2).toMatchObject({ status: 'lost', exitCode: null, attempts: 1 });
    await f.waitIdle(once.name);
    expect(await run(f, once.name, 'echo fine')).toMatchObject({ status: 'succeeded' });
  });

  it('never judges workers dead while tmux is wedged (SIGSTOP): the sweep is incomplete', async () => {
    const f = await open({ ...FAST, tmuxTimeoutMs: 200 });
    const [w1, w2] = await Promise.all([f.addShell('calm1'), f.addShell('calm2')]);
    const pid = Number(await f.tmux.tmux('display-message', '-p', '#{pid}'));
    expect(pid).toBeGreaterThan(1);
    process.kill(pid, 'SIGSTOP');
    try {
      const report = await f.fleet.healthCheck();
      expect(report.complete).toBe(false);
      expect(report.verdicts).toEqual([]);
      expect(f.worker(w1.name).state).toBe('idle');
      expect(f.worker(w2.name).state).toBe('idle');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const after = await waitFor(async () => {
      const report = await f.fleet.healthCheck();
      return report.complete ? report : null;
    });
    expect(after.verdicts.map((v) => v.kind)).toEqual(['alive', 'alive']);
    expect(f.fleet.workers().map((w) => [w.state, w.restarts])).toEqual([
      ['idle', 0],
      ['idle', 0],
    ]);
    expect(await run(f, w1.name, 'echo unharmed')).toMatchObject({ status: 'succeeded' });
  });

  it('adopts its workers and running tasks after a controller restart', async () => {
    const f = await open();
    const [w1, w2] = await Promise.all([f.addShell('keep1'), f.addShell('keep2')]);
    // Prints while no controller watches and while the new one attaches.
    const slow = await f.fleet.send({
      worker: w1.name,
      command: 'for i in $(seq 1 40); do echo tick-$i; sleep 0.05; done; exit 4',
    });
    const quick = await f.fleet.send({ worker: w2.name, command: 'sleep 0.3; echo done-while-away; exit 5' });
    await waitFor(() => f.fleet.workers().every((w) => w.runningTask !== null));
    await f.fleet.shutdown();
    // The quick task ends while no controller watches.
    await waitFor(async () =>
      (await readFile(join(f.settings.paths.workerLogsDir, `${w2.id}.log`), 'utf8')).includes(
        `-${quick.id}:5@`,
      ),
    );
    // Stored pane ids are swapped: the new controller must remap by the panes' @tmuxorch_worker.
    const state = JSON.parse(await f.readState()) as {
      workers: Array<{ id: string; paneId: string | null }>;
    };
    const panes = state.workers.map((w) => w.paneId);
    state.workers.forEach((w, i) => (w.paneId = panes[(i + 1) % panes.length] ?? null));
    await writeFile(f.settings.paths.stateFile, JSON.stringify(state));
    const fleet = await f.reopen({ shutdownFirst: false });
    const owners = await paneOwners(f);
    const views = fleet.workers();
    expect(views.map((w) => w.id).sort()).toEqual([w1.id, w2.id].sort());
    for (const view of views) {
      expect(view.restarts).toBe(0);
      expect(owners.get(view.paneId ?? '')).toBe(view.id);
    }
    expect(views.find((w) => w.id === w1.id)?.paneId).toBe(w1.paneId);
    const [slowResult, quickResult] = await Promise.all([fleet.wait(slow.id), fleet.wait(quick.id)]);
    expect(slowResult).toMatchObject({ status: 'failed', exitCode: 4, attempts: 1 });
    expect(slowResult.output?.split('\n')).toEqual([
      ...Array.from({ length: 40 }, (_, i) => `tick-${i + 1}`),
      '',
    ]);
    expect(quickResult).toMatchObject({
      status: 'failed',
      exitCode: 5,
      output: 'done-while-away\n',
      attempts: 1,
    });
    await f.waitIdle(w1.name);
    expect(await run(f, w1.name, 'echo adopted')).toMatchObject({ status: 'succeeded' });
  });

  it('rebuilds the session and every worker after the tmux server is killed', async () => {
    const f = await open();
    const [w1, w2] = await Promise.all([f.addShell('phoenix1'), f.addShell('phoenix2')]);
    const oldPid = await f.tmux.tmux('display-message', '-p', '#{pid}');
    await f.tmux.tmux('kill-server');
    await waitFor(() => f.fleet.workers().every((w) => w.state === 'idle' && w.restarts === 1), {
      message: 'workers revived after the server loss',
    });
    expect(await f.tmux.tmux('display-message', '-p', '#{pid}')).not.toBe(oldPid);
    const owners = await paneOwners(f);
    for (const view of f.fleet.workers()) expect(owners.get(view.paneId ?? '')).toBe(view.id);
    const results = await Promise.all([w1, w2].map((w) => run(f, w.name, 'pwd')));
    expect(results.map((r) => r.output)).toEqual([`${w1.project}\n`, `${w2.project}\n`]);
  });
});
