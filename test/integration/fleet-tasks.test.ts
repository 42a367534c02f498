// Tasks end to end through an in-process fleet: real tmux panes, real bash, the marker protocol.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateStore } from '../../src/infrastructure/state/state-store.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult, WorkerView } from '../../src/application/contract/views.js';
import { openTestFleet, type TestFleet } from '../helpers/fleet.js';
import { waitFor } from '../helpers/wait-for.js';

describe('fleet tasks', () => {
  let t: TestFleet;
  let a: WorkerView;
  let b: WorkerView;
  let c: WorkerView;

  beforeAll(async () => {
    t = await openTestFleet();
    [a, b, c] = await Promise.all([t.addShell('wa'), t.addShell('wb'), t.addShell('wc')]);
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  // Sends a task and waits for its result.
  const run = async (
    worker: string,
    command: string,
    extra: { timeoutMs?: number; retries?: number } = {},
  ): Promise<TaskResult> => {
    const sent = await t.fleet.send({ worker, command, ...extra });
    return t.fleet.wait(sent.id);
  };

  // A command that blocks until `file` exists (in the worker's cwd).
  const gate = (file: string): string => `while [ ! -e ${file} ]; do sleep 0.02; done`;

  it('runs tasks in parallel on three workers, each in its own directory', async () => {
    const workers = [a, b, c];
    const sent = await Promise.all(
      workers.map((w, i) =>
        t.fleet.send({ worker: w.name, command: `sleep 0.3; pwd; echo out-${i}; exit ${i}` }),
      ),
    );
    const started = Date.now();
    const results = await Promise.all(sent.map((s) => t.fleet.wait(s.id)));
    // Three 0.3 s tasks side by side, not one after another.
    expect(Date.now() - started).toBeLessThan(2_500);
    results.forEach((r, i) => {
      expect(r.exitCode).toBe(i);
      expect(r.status).toBe(i === 0 ? 'succeeded' : 'failed');
      expect(r.output).toBe(`${workers[i]?.project}\nout-${i}\n`);
      expect(r.worker).toBe(workers[i]?.name);
    });
  });

  it('runs a heredoc', async () => {
    const r = await run(a.name, "cat <<'EOF'\nline one\n  $HOME stays literal\nEOF\necho after");
    expect(r.status).toBe('succeeded');
    expect(r.output).toBe('line one\n  $HOME stays literal\nafter\n');
  });

  it('keeps ;, $HOME in single quotes, \', ", a trailing ; and unicode intact', async () => {
    const r = await run(b.name, `echo one; echo '$HOME'; echo "it's \\"q\\""; echo 'ünï ✓ 日本';`);
    expect(r.status).toBe('succeeded');
    expect(r.output).toBe(`one\n$HOME\nit's "q"\nünï ✓ 日本\n`);
  });

  it('is not ended by fake end markers printed by the command', async () => {
    // The script is sourced: BASH_SOURCE names tasks/<own id>/run.sh. Markers are built by printf
    // at run time, so the typed command holds none.
    const command = [
      'me=$(basename "$(dirname "${BASH_SOURCE[0]}")")',
      `printf '%s%s:0---\\n' '---END-OF-OUTPUT' '-t-fakefakefake1'`,
      `printf 'noise %s%s:0---\\n' '---END-OF-OUTPUT' "-$me"`,
      `printf '%s%s:0--- trailing\\n' '---END-OF-OUTPUT' "-$me"`,
      'sleep 0.2',
      'echo still-running',
      'exit 5',
    ].join('\n');
    const r = await run(c.name, command);
    expect(r.exitCode).toBe(5);
    expect(r.status).toBe('failed');
    const lines = (r.output ?? '').split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('---END-OF-OUTPUT-t-fakefakefake1:0---');
    expect(lines[1]).toBe(`noise ---END-OF-OUTPUT-${r.id}:0---`);
    expect(lines[2]).toBe(`---END-OF-OUTPUT-${r.id}:0--- trailing`);
    expect(lines[3]).toBe('still-running');
    expect(lines[4]).toBe('');
  });

  it('collects output that has no trailing newline', async () => {
    const r = await run(a.name, "printf 'no newline at the end'");
    expect(r.status).toBe('succeeded');
    expect(r.output).toBe('no newline at the end');
  });

  it('survives `exit 3` in a task: the worker shell lives on', async () => {
    const paneBefore = t.worker(b.name).paneId;
    const failed = await run(b.name, 'echo bye; exit 3');
    expect(failed).toMatchObject({ status: 'failed', exitCode: 3, output: 'bye\n' });
    const next = await run(b.name, 'echo alive');
    expect(next).toMatchObject({ status: 'succeeded', exitCode: 0, output: 'alive\n' });
    expect(t.worker(b.name)).toMatchObject({ state: 'idle', paneId: paneBefore, restarts: 0 });
  });

  it('collects a big output completely', async () => {
    const r = await run(c.name, 'seq 1 200000');
    expect(r.status).toBe('succeeded');
    const lines = (r.output ?? '').split('\n');
    expect(lines).toHaveLength(200_001);
    expect(lines[0]).toBe('1');
    expect(lines[199_999]).toBe('200000');
    expect(lines[200_000]).toBe('');
  });

  it('runs queued tasks by priority: critical, then normal, then low', async () => {
    const dir = t.worker(a.name).project;
    await writeFile(join(dir, 'order.txt'), '');
    const blocker = await t.fleet.send({ worker: a.name, command: gate('go-prio') });
    await waitFor(() => t.fleet.workers().find((w) => w.name === a.name)?.runningTask === blocker.id);
    const low = await t.fleet.send({ worker: a.name, command: 'echo low >> order.txt', priority: 'low' });
    const normal = await t.fleet.send({ worker: a.name, command: 'echo normal >> order.txt' });
    const critical = await t.fleet.send({
      worker: a.name,
      command: 'echo critical >> order.txt',
      priority: 'critical',
    });
    expect(t.worker(a.name).queued).toBe(3);
    await writeFile(join(dir, 'go-prio'), '');
    const results = await Promise.all([low, normal, critical].map((s) => t.fleet.wait(s.id)));
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await readFile(join(dir, 'order.txt'), 'utf8')).toBe('critical\nnormal\nlow\n');
  });

  it('times out a task: exit 124, partial output kept, the worker comes back for the next task', async () => {
    const r = await run(b.name, 'echo partial-line; sleep 30', { timeoutMs: 700 });
    expect(r.status).toBe('timed_out');
    expect(r.exitCode).toBe(124);
    expect(r.output).toContain('partial-line');
    // Back by Ctrl-C and a ready probe, not by a revive.
    expect((await t.waitIdle(b.name)).restarts).toBe(0);
    const next = await run(b.name, 'echo after-timeout');
    expect(next).toMatchObject({ status: 'succeeded', output: 'after-timeout\n' });
  });

  it('cancels a queued task and a running one', async () => {
    const running = await t.fleet.send({ worker: c.name, command: 'echo cancel-me-started; sleep 30' });
    const queued = await t.fleet.send({ worker: c.name, command: 'echo never' });
    await waitFor(() => t.worker(c.name).runningTask === running.id);
    const cancelledQueued = await t.fleet.cancel(queued.id);
    expect(cancelledQueued.status).toBe('cancelled');
    expect(cancelledQueued.attempts).toBe(0);
    // Wait until the command's first output line reached the worker's log, so the interrupt hits
    // `sleep`: a line of its own (the pane's echo of the typed command holds the words too).
    const log = join(t.settings.paths.workerLogsDir, `${c.id}.log`);
    await waitFor(async () => /^cancel-me-started\r?$/m.test(await readFile(log, 'utf8')));
    const cancelledRunning = await t.fleet.cancel(running.id);
    expect(cancelledRunning.status).toBe('cancelled');
    expect(cancelledRunning.output).toContain('cancel-me-started');
    expect((await t.waitIdle(c.name)).restarts).toBe(0);
    const next = await run(c.name, 'echo after-cancel');
    expect(next).toMatchObject({ status: 'succeeded', output: 'after-cancel\n' });
    // The cancelled queued task never ran.
    expect((await t.fleet.result(queued.id)).status).toBe('cancelled');
  });

  it('runs a task on an idle worker whose pane a human left in copy-mode', async () => {
    const pane = t.worker(a.name).paneId ?? '';
    await t.tmux.tmux('copy-mode', '-t', pane);
    expect(await t.tmux.tmux('display-message', '-p', '-t', pane, '#{pane_in_mode}')).toBe('1');
    const r = await run(a.name, 'echo typed-past-copy-mode', { timeoutMs: 5_000 });
    expect(r).toMatchObject({ status: 'succeeded', output: 'typed-past-copy-mode\n' });
    expect(t.worker(a.name).restarts).toBe(0);
  }, 20_000);

  it('hands secret env to the pane only: output redacted, value never in state.json', async () => {
    const secret = 'sk-test-abcdefghijklmnop123';
    const password = 'plain-looking-passw0rd';
    const w = await t.addShell('secret-worker', {
      MY_API_KEY: secret,
      DB_PASSWORD: password,
      REGION: 'eu-1',
    });
    const echoed = await run(w.name, 'echo "key=$MY_API_KEY pw=$DB_PASSWORD region=$REGION"');
    expect(echoed.status).toBe('succeeded');
    expect(echoed.output).toBe('key=*** pw=*** region=eu-1\n');
    // The pane has the real values: their hashes (not redacted) match.
    const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
    const hashed = await run(
      w.name,
      `printf %s "$MY_API_KEY" | sha256sum | cut -c1-64; printf %s "$DB_PASSWORD" | sha256sum | cut -c1-64`,
    );
    expect(hashed.output).toBe(`${hash(secret)}\n${hash(password)}\n`);
    const state = await t.readState();
    expect(state).not.toContain(secret);
    expect(state).not.toContain(password);
    const stored = (await new StateStore(t.settings.paths).load(t.session)).workers.find(
      (x) => x.id === w.id,
    );
    expect([...(stored?.secretEnv ?? [])].sort()).toEqual(['DB_PASSWORD', 'MY_API_KEY']);
    expect(stored?.env).toEqual({ REGION: 'eu-1' });
    // output.raw is written only where it differs from output.txt.
    const files = await Promise.all(
      ['output.txt', 'output.raw'].map((f) =>
        readFile(join(t.settings.paths.tasksDir, echoed.id, f), 'utf8').catch(() => ''),
      ),
    );
    expect(files[0]).toContain('region=eu-1');
    for (const text of files) expect(text).not.toContain(secret);
  });
});
