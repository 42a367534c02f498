// Tasks through the CLI: priorities, task files, capture, logs and remove-worker. One fleet with
// two shell workers for the whole file.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  addShell,
  expectOk,
  isRunning,
  panesByWorker,
  runJson,
  workerView,
  type TaskResult,
  type WorkerView,
} from './support.js';
import { sendTask, waitResult } from './task-commands.js';
import { useCliFleet } from './cli-fleets.js';

describe('tasks through the CLI', () => {
  let fleet: CliFleet;
  let worker: WorkerView;

  useCliFleet(async (made) => {
    fleet = made;
    await expectOk(fleet, ['start']);
    worker = await addShell(fleet, 'tasker');
    await addShell(fleet, 'spare');
  });

  it('runs queued tasks by priority: critical, then normal, then low', async () => {
    // The blocker holds the worker until the gate file exists, so all three queue behind it.
    const gate = join(fleet.home.dir, 'gate');
    const blocker = await sendTask(
      fleet,
      'tasker',
      `for i in $(seq 1 600); do [ -e '${gate}' ] && break; sleep 0.05; done; echo blocker-done`,
    );
    await waitFor(
      async () => (await runJson<TaskResult>(fleet, ['result', blocker])).body.status === 'running',
      {
        message: 'the blocker is running',
      },
    );
    const low = await sendTask(fleet, 'tasker', 'echo low', ['--priority', 'low']);
    const normal = await sendTask(fleet, 'tasker', 'echo normal');
    const critical = await sendTask(fleet, 'tasker', 'echo critical', ['--priority', 'critical']);
    const queued = await workerView(fleet, 'tasker');
    expect(queued?.queued).toBe(3);
    expect(queued?.runningTask).toBe(blocker);
    await writeFile(gate, '');

    const results = await Promise.all([blocker, critical, normal, low].map((id) => waitResult(fleet, id)));
    for (const { exitCode, result } of results) {
      expect(exitCode).toBe(0);
      expect(result.status).toBe('succeeded');
    }
    const [b, c, n, l] = results.map((r) => r.result);
    expect(b?.output).toBe('blocker-done\n');
    expect(c).toMatchObject({ output: 'critical\n', priority: 'critical' });
    expect(n).toMatchObject({ output: 'normal\n', priority: 'normal' });
    expect(l).toMatchObject({ output: 'low\n', priority: 'low' });
    const started = (r: TaskResult | undefined): number => Date.parse(r?.startedAt ?? '');
    expect(started(c)).toBeGreaterThanOrEqual(Date.parse(b?.finishedAt ?? ''));
    expect(started(n)).toBeGreaterThan(started(c));
    expect(started(l)).toBeGreaterThan(started(n));
  });

  it('send --file runs a JSON task spec', async () => {
    const file = join(fleet.home.dir, 'task.json');
    await writeFile(file, JSON.stringify({ command: 'echo from-file', timeout: '5s', priority: 'high' }));
    const plain = await fleet.run(['send', 'tasker', '--wait', '--file', file]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toBe('from-file');
    const { exitCode, body } = await runJson<TaskResult>(fleet, ['send', 'tasker', '--wait', '--file', file]);
    expect(exitCode).toBe(0);
    expect(body).toMatchObject({
      status: 'succeeded',
      exitCode: 0,
      output: 'from-file\n',
      priority: 'high',
      command: 'echo from-file',
    });
  });

  it('the timeout of a JSON task spec applies', async () => {
    const file = join(fleet.home.dir, 'slow.json');
    await writeFile(file, JSON.stringify({ command: 'sleep 30', timeout: '1s' }));
    const { exitCode, body } = await runJson<TaskResult>(fleet, ['send', 'tasker', '--wait', '--file', file]);
    expect(exitCode).toBe(124);
    expect(body.status).toBe('timed_out');
    const next = await fleet.run(['send', 'tasker', '--wait', '--', 'echo ok-after-timeout']);
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toBe('ok-after-timeout');
  });

  it('send --file runs a shell script with a heredoc', async () => {
    const file = join(fleet.home.dir, 'task.sh');
    const script = [
      'name=heredoc',
      'cat <<EOF',
      'expanded: $name $((6 * 7))',
      'EOF',
      "cat <<'RAW'",
      'literal: $name; `not run`',
      'RAW',
      'exit 4',
      '',
    ].join('\n');
    await writeFile(file, script);
    const { exitCode, body } = await runJson<TaskResult>(fleet, ['send', 'tasker', '--wait', '--file', file]);
    expect(exitCode).toBe(4);
    expect(body).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(body.output).toBe('expanded: heredoc 42\nliteral: $name; `not run`\n');
  });

  it('capture shows the worker screen', async () => {
    const run = await fleet.run(['send', 'tasker', '--wait', '--', 'echo capture-me-$((40 + 2))']);
    expect(run.exitCode).toBe(0);
    const plain = await expectOk(fleet, ['capture', 'tasker']);
    expect(plain.stdout).toContain('capture-me-42');
    const { exitCode, body } = await runJson<{ worker: string; text: string }>(fleet, ['capture', 'tasker']);
    expect(exitCode).toBe(0);
    expect(body.worker).toBe('tasker');
    expect(body.text).toContain('capture-me-42');
  });

  it('capture --lines N prints the last N printed lines, history included, no blank padding', async () => {
    const run = await fleet.run(['send', 'tasker', '--wait', '--', 'seq -f "row-%g" 1 120']);
    expect(run.exitCode).toBe(0);
    const { stdout } = await expectOk(fleet, ['capture', 'tasker', '--lines', '5']);
    const rows = stdout.split('\n');
    // The pane's last 5 printed rows: the task's tail, its end marker, the prompt; none after it.
    expect(rows, JSON.stringify(rows)).toHaveLength(5);
    expect(rows[0]).toBe('row-119');
    expect(rows[1]).toBe('row-120');
    expect(rows.at(-1)?.trim()).not.toBe('');
    const screen = (await expectOk(fleet, ['capture', 'tasker'])).stdout;
    expect(screen.endsWith('\n\n')).toBe(false);
    expect(screen.split('\n').at(-1)?.trim()).not.toBe('');
  });

  it('logs <task> prints a finished task output; logs <worker> prints the pane log', async () => {
    const id = await sendTask(fleet, 'tasker', "printf 'log-a\\nlog-b\\n'");
    expect((await waitResult(fleet, id)).exitCode).toBe(0);
    const task = await expectOk(fleet, ['logs', id]);
    expect(task.stdout).toBe('log-a\nlog-b');
    const pane = await expectOk(fleet, ['logs', 'tasker']);
    expect(pane.stdout).toContain('log-a');
    expect(pane.stdout).toContain('capture-me-42');
    expect(pane.stdout).toContain('from-file');
    const byId = await expectOk(fleet, ['logs', worker.id]);
    expect(byId.stdout).toContain('log-b');
  });

  it('remove-worker closes its window and list no longer has it', async () => {
    const before = (await runJson<WorkerView[]>(fleet, ['list'])).body;
    const spare = before.find((w) => w.name === 'spare');
    expect(spare?.paneId).toBeTruthy();
    const panePid = (await panesByWorker(fleet)).get(spare!.id)?.pid;
    expect(panePid).toBeGreaterThan(0);
    await expectOk(fleet, ['remove-worker', 'spare']);
    const { exitCode, body } = await runJson<WorkerView[]>(fleet, ['list']);
    expect(exitCode).toBe(0);
    expect(body.map((w) => w.name)).toEqual(['tasker']);
    const windows = await fleet.tmux.tmux('list-windows', '-t', fleet.session, '-F', '#{window_name}');
    expect(windows.split('\n')).toEqual(['controller', 'tasker']);
    expect((await panesByWorker(fleet)).has(spare!.id)).toBe(false);
    await waitFor(async () => !(await isRunning(panePid!)), { message: "the removed worker's shell exited" });
    const gone = await runJson<{ error: { code: string } }>(fleet, ['send', 'spare', '--', 'true']);
    expect(gone.exitCode).toBe(1);
    expect(gone.body.error.code).toBe('WORKER_NOT_FOUND');
  });
});
