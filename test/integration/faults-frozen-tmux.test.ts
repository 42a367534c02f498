// A frozen tmux server (SIGSTOP of this test's private server, then SIGCONT) while a task is typed
// and a worker is added: a timed-out command has an unknown outcome, so nobody is judged dead on
// it; once the server answers the fleet reconciles: the task runs once, the late window of the
// add-worker is adopted, and every worker tag is on exactly one live pane.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openTestFleet, type TestFleet } from '../helpers/fleet.js';
import { waitFor } from '../helpers/wait-for.js';

const TMUX_TIMEOUT_MS = 2_000;
// The fault injected: longer than a few tmux timeouts.
const FREEZE_MS = 8_000;

let t: TestFleet | null = null;
let frozenPid: number | null = null;

afterEach(async () => {
  if (frozenPid !== null) process.kill(frozenPid, 'SIGCONT');
  frozenPid = null;
  await t?.cleanup();
  t = null;
});

interface PaneLine {
  paneId: string;
  worker: string;
  role: string;
  dead: boolean;
  pipe: boolean;
}

async function panes(fleet: TestFleet): Promise<PaneLine[]> {
  const out = await fleet.tmux.tmux(
    'list-panes',
    '-s',
    '-t',
    `=${fleet.session}`,
    '-F',
    '#{pane_id}|#{@tmuxorch_worker}|#{@tmuxorch_role}|#{pane_dead}|#{pane_pipe}',
  );
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [paneId = '', worker = '', role = '', dead = '', pipe = ''] = l.split('|');
      return { paneId, worker, role, dead: dead === '1', pipe: pipe === '1' };
    });
}

it('send and add-worker during a 8 s freeze: no worker judged dead, one pane per worker, the task run once', async () => {
  t = await openTestFleet({ config: { tmuxTimeoutMs: TMUX_TIMEOUT_MS } });
  const fleet = t;
  const before = await fleet.addShell('fz-a');
  const side = await fleet.project('side');
  const late = await fleet.project('fz-late');
  const pid = Number.parseInt(await fleet.tmux.tmux('display-message', '-p', '#{pid}'), 10);
  expect(pid).toBeGreaterThan(0);

  process.kill(pid, 'SIGSTOP');
  frozenPid = pid;
  const frozenAt = Date.now();
  const task = await fleet.fleet.send({
    worker: 'fz-a',
    command: `echo ran >> ${join(side, 'once')}; echo out-once`,
  });
  const added = fleet.fleet.addWorker({ type: 'shell', project: late, name: 'fz-late' }).then(
    (w) => ({ ok: true as const, w }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  // A health sweep during the freeze answers "unknown" and changes nothing.
  const sweep = await fleet.fleet.healthCheck();
  expect(sweep.complete).toBe(false);
  await waitFor(() => Date.now() - frozenAt >= FREEZE_MS, { timeoutMs: FREEZE_MS + 5_000, intervalMs: 200 });
  expect(fleet.worker('fz-a').state).not.toBe('dead');
  process.kill(pid, 'SIGCONT');
  frozenPid = null;

  const result = await fleet.fleet.wait(task.id);
  expect(result.status, result.reason ?? '').toBe('succeeded');
  expect(result.output?.trim()).toBe('out-once');
  const outcome = await added;
  if (!outcome.ok) throw outcome.error;
  expect(outcome.w.state).toBe('idle');
  await fleet.fleet.healthCheck();

  const a = fleet.worker('fz-a');
  expect(a.restarts).toBe(0);
  expect(a.paneId).toBe(before.paneId);
  const listed = await panes(fleet);
  const live = listed.filter((p) => !p.dead);
  // Window 0 (the status view) and one pane per worker: nothing untagged, nothing twice.
  expect(live.filter((p) => p.role === '' && p.worker === '')).toEqual([]);
  for (const worker of fleet.fleet.workers()) {
    const own = live.filter((p) => p.worker === worker.id);
    expect(
      own.map((p) => p.paneId),
      worker.name,
    ).toEqual([worker.paneId]);
    expect(own.every((p) => p.pipe)).toBe(true);
  }
  expect(fleet.fleet.workers()).toHaveLength(2);
  // And both work.
  for (const name of ['fz-a', 'fz-late']) {
    const again = await fleet.fleet.send({ worker: name, command: 'echo fine' });
    expect((await fleet.fleet.wait(again.id)).status).toBe('succeeded');
  }
  const text = await readFile(join(side, 'once'), 'utf8');
  expect(text.split('\n').filter((l) => l === 'ran')).toHaveLength(1);
}, 90_000);

it('a second live pane carrying a worker tag (a late respawn or window) is closed by the next sweep', async () => {
  t = await openTestFleet({ config: { tmuxTimeoutMs: TMUX_TIMEOUT_MS } });
  const fleet = t;
  const worker = await fleet.addShell('dup');
  const extra = await fleet.tmux.newWindow('bash --norc --noprofile', `=${fleet.session}:`);
  await fleet.tmux.tmux('set-option', '-p', '-t', extra, '@tmuxorch_worker', worker.id);
  await fleet.tmux.tmux(
    'pipe-pane',
    '-t',
    extra,
    `exec cat >> ${fleet.settings.paths.workerLogsDir}/${worker.id}.log`,
  );
  const report = await fleet.fleet.healthCheck();
  expect(report.complete).toBe(true);
  const live = (await panes(fleet)).filter((p) => !p.dead && p.worker === worker.id);
  expect(live.map((p) => p.paneId)).toEqual([worker.paneId]);
  expect(fleet.worker('dup').restarts).toBe(0);
  const task = await fleet.fleet.send({ worker: 'dup', command: 'echo one' });
  expect((await fleet.fleet.wait(task.id)).output?.trim()).toBe('one');
}, 60_000);
