// The TypeScript API (Fleet.ephemeral) end to end: real tmux on a private socket, real bash panes.
// Jobs wait on gate files rather than sleeping, so "at most two at once" and "abort mid-run" are
// observed at a moment the test controls instead of guessed from timing.
import { readFileSync } from 'node:fs';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/application/runs/parallel-run.js';
import type { InProcessBackend } from '../../src/application/fleet/in-process-backend.js';
import { Fleet } from '../../src/controller/fleet.js';
import type { RunReport } from '../../src/domain/run/run-report.js';
import { ephemeralFleetEnv, type TestTmuxServer } from '../helpers/tmux-server.js';
import { createTmpHome } from '../helpers/tmp-home.js';
import { useTestCleanups } from '../helpers/test-cleanups.js';
import { waitFor } from '../helpers/wait-for.js';

const cleanups = useTestCleanups();

async function open(options: { stateHome?: string; sentinel?: boolean } = {}) {
  const { tmp, tmux } = await cleanups.tmpWithTmux('tmuxorch-fleet-api-');
  // Another session on the same server, which close() must leave alone.
  if (options.sentinel) await tmux.startSession('sentinel');
  const home = join(tmp.dir, 'home');
  const session = `api-${tmux.name.slice(-8)}`;
  const fleet = await Fleet.ephemeral({
    home,
    socket: tmux.name,
    session,
    env: ephemeralFleetEnv(),
    ...(options.stateHome ? { stateHome: options.stateHome } : {}),
  });
  cleanups.push(() => fleet.close());
  return { fleet, tmux, tmp, home, session };
}

const hasSession = (tmux: TestTmuxServer, session: string): Promise<boolean> =>
  tmux.tmux('has-session', '-t', session).then(
    () => true,
    () => false,
  );

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

// Blocks until `file` exists; the job's own `started` file says it got that far.
const gated = (file: string, then: string): string =>
  `touch started; while [ ! -e ${file} ]; do sleep 0.02; done; ${then}`;

// Runs the jobs, recording events; `run` is guarded so a test that fails early leaves no
// unhandled rejection behind.
function record(start: (onEvent: (e: RunEvent) => void) => Promise<RunReport>) {
  const events: RunEvent[] = [];
  const run = start((e) => events.push(e));
  run.catch(() => undefined);
  return { events, run };
}

describe('Fleet.ephemeral: workers and tasks', () => {
  it('runs shell commands on spawned workers and collects their results in order', async () => {
    const { fleet, tmp } = await open();
    const [p1, p2] = await Promise.all([tmp.project('one'), tmp.project('two')]);
    const w1 = await fleet.spawnWorker({ type: 'shell', project: p1, name: 'one' });
    await fleet.spawnWorker({ type: 'shell', project: p2, name: 'two', env: { GREETING: 'hi there' } });
    expect(w1).toMatchObject({ name: 'one', type: 'shell', project: p1 });
    expect((await fleet.workers()).map((w) => w.name).sort()).toEqual(['one', 'two']);

    const sent = [
      await fleet.sendTask({ worker: 'one', command: 'echo hello' }),
      await fleet.sendTask({ worker: 'two', command: 'echo "$GREETING"; pwd; exit 3' }),
      await fleet.sendTask({ worker: 'one', command: 'printf "%s" no-newline' }),
    ];
    const results = await fleet.collectResults(sent.map((s) => s.id));
    expect(results.map((r) => r.id)).toEqual(sent.map((s) => s.id));
    expect(results[0]).toMatchObject({ status: 'succeeded', exitCode: 0, output: 'hello\n', worker: 'one' });
    expect(results[1]).toMatchObject({
      status: 'failed',
      exitCode: 3,
      output: `hi there\n${p2}\n`,
      worker: 'two',
    });
    expect(results[2]).toMatchObject({ status: 'succeeded', exitCode: 0, output: 'no-newline' });
    // A finished task's result can be asked for again.
    expect((await fleet.waitTask(sent[1]?.id ?? '')).exitCode).toBe(3);
  });

  it('cancels a running task', async () => {
    const { fleet, tmp } = await open();
    await fleet.spawnWorker({ type: 'shell', project: await tmp.project('c'), name: 'c' });
    const task = await fleet.sendTask({ worker: 'c', command: 'echo begun; sleep 60' });
    await waitFor(async () => (await fleet.result(task.id)).status === 'running', {
      message: 'task running',
    });
    await fleet.cancelTask(task.id);
    expect((await fleet.waitTask(task.id)).status).toBe('cancelled');
  });

  it('resolves a relative project here, refuses an empty one, a line break in env and a role that is none', async () => {
    const { fleet, tmp } = await open();
    const dir = await tmp.project('rel');
    const worker = await fleet.spawnWorker({
      type: 'shell',
      project: relative(process.cwd(), dir),
      name: 'rel',
    });
    expect(worker.project).toBe(dir);
    await expect(fleet.spawnWorker({ type: 'shell', project: '', name: 'empty' })).rejects.toMatchObject({
      code: 'USAGE',
    });
    await expect(
      fleet.spawnWorker({ type: 'shell', project: dir, name: 'env', env: { A: 'one\ntwo' } }),
    ).rejects.toMatchObject({ code: 'USAGE' });
    await expect(
      fleet.spawnWorker({ type: 'shell', project: dir, name: 'role', role: 'nosuch' }),
    ).rejects.toMatchObject({ code: 'USAGE' });
    expect((await fleet.workers()).map((w) => w.name)).toEqual(['rel']);
  });

  it('reports health: every worker alive in its pane', async () => {
    const { fleet, tmp } = await open();
    const w = await fleet.spawnWorker({ type: 'shell', project: await tmp.project('h'), name: 'h' });
    const report = await fleet.healthCheck();
    expect(report.complete).toBe(true);
    expect(Number.isNaN(Date.parse(report.checkedAt))).toBe(false);
    expect(report.verdicts).toEqual([
      expect.objectContaining({ workerId: w.id, kind: 'alive', paneId: w.paneId }),
    ]);
  });
});

describe('Fleet.runParallel', () => {
  it('runs at most `concurrency` jobs at once and writes the report, JUnit and every log', async () => {
    const { fleet, tmp, home } = await open();
    const projects = await Promise.all(['a', 'b', 'c'].map((n) => tmp.project(n)));
    const go = join(tmp.dir, 'go');
    const junitFile = join(tmp.dir, 'out', 'junit.xml');
    const jobs = projects.map((project, i) => ({
      project,
      command: gated(go, i === 2 ? 'echo "c failing"; exit 2' : `echo "out of $(basename "$PWD")"`),
    }));
    let active = 0;
    let most = 0;
    const { events, run } = record((onEvent) =>
      fleet.runParallel(jobs, {
        concurrency: 2,
        junitFile,
        onEvent: (e) => {
          onEvent(e);
          if (e.kind === 'job-started') most = Math.max(most, ++active);
          if (e.kind === 'job-finished') active--;
        },
      }),
    );
    const startedCount = async () =>
      (await Promise.all(projects.map((p) => exists(join(p, 'started'))))).filter(Boolean).length;
    await waitFor(async () => (await startedCount()) === 2, { message: 'two jobs started' });
    // The gate is shut, so no job can finish and the third cannot have started.
    expect(await startedCount()).toBe(2);
    expect(await fleet.workers()).toHaveLength(2);
    const startedJobs = events.flatMap((e) => (e.kind === 'job-started' ? [e.job.name] : []));
    expect(startedJobs.sort()).toEqual(['a', 'b']);
    await writeFile(go, '');
    const report = await run;

    expect(most).toBe(2);
    const firstFinish = events.findIndex((e) => e.kind === 'job-finished');
    const cStart = events.findIndex((e) => e.kind === 'job-started' && e.job.name === 'c');
    expect(cStart).toBeGreaterThan(firstFinish);
    expect(report).toMatchObject({ passed: 2, failed: 1, skipped: 0, interrupted: false });
    expect(report.jobs.map((j) => [j.name, j.status, j.exitCode, j.attempts])).toEqual([
      ['a', 'succeeded', 0, 1],
      ['b', 'succeeded', 0, 1],
      ['c', 'failed', 2, 1],
    ]);
    expect(report.runDir.startsWith(join(home, 'runs'))).toBe(true);
    for (const [name, output] of Object.entries({ a: 'out of a\n', b: 'out of b\n', c: 'c failing\n' })) {
      const logFile = join(report.runDir, 'jobs', `${name}.log`);
      expect(report.jobs.find((j) => j.name === name)?.outputFile).toBe(logFile);
      expect(await readFile(logFile, 'utf8')).toBe(output);
    }
    expect(JSON.parse(await readFile(join(report.runDir, 'report.json'), 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(report)),
    );
    const xml = await readFile(join(report.runDir, 'junit.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toMatch(/<testcase name="c" classname="[^"]*\/c"[^>]*>\s*<failure /);
    expect(await readFile(junitFile, 'utf8')).toBe(xml);
    // The jobs' workers go when their jobs end.
    expect(await fleet.workers()).toEqual([]);
  });

  it("runs a job again while its retries allow, keeping each attempt's log", async () => {
    const { fleet, tmp } = await open();
    const [flaky, broken] = await Promise.all([tmp.project('flaky'), tmp.project('broken')]);
    const count = 'n=$(( $(cat n 2>/dev/null || echo 0) + 1 )); echo $n > n; echo "attempt $n"';
    const { events, run } = record((onEvent) =>
      fleet.runParallel(
        [
          { project: flaky, command: `${count}; [ $n -ge 2 ] || exit 1`, retries: 3 },
          { project: broken, command: `${count}; exit 4`, retries: 1 },
        ],
        { onEvent },
      ),
    );
    const report = await run;
    expect(report.jobs.map((j) => [j.name, j.status, j.exitCode, j.attempts, j.taskIds.length])).toEqual([
      ['flaky', 'succeeded', 0, 2, 2],
      ['broken', 'failed', 4, 2, 2],
    ]);
    expect(new Set(report.jobs.flatMap((j) => j.taskIds)).size).toBe(4);
    const retrying = events.filter((e) => e.kind === 'job-retrying');
    expect(retrying.map((e) => [e.job.name, e.attempt, e.result.exitCode]).sort()).toEqual([
      ['broken', 1, 4],
      ['flaky', 1, 1],
    ]);
    const jobsDir = join(report.runDir, 'jobs');
    expect(await readFile(join(jobsDir, 'flaky.attempt-1.log'), 'utf8')).toBe('attempt 1\n');
    expect(await readFile(join(jobsDir, 'flaky.log'), 'utf8')).toBe('attempt 2\n');
    expect((await readdir(jobsDir)).sort()).toEqual([
      'broken.attempt-1.log',
      'broken.log',
      'flaky.attempt-1.log',
      'flaky.log',
    ]);
  });

  it('with failFast, skips the jobs that have not started once one fails', async () => {
    const { fleet, tmp } = await open();
    const projects = await Promise.all(['bad', 'x', 'y'].map((n) => tmp.project(n)));
    const jobs = projects.map((project, i) => ({ project, command: i === 0 ? 'exit 1' : 'touch ran' }));
    const { events, run } = record((onEvent) =>
      fleet.runParallel(jobs, { concurrency: 1, failFast: true, onEvent }),
    );
    const report = await run;
    expect(report).toMatchObject({ passed: 0, failed: 1, skipped: 2, interrupted: false });
    expect(report.jobs.map((j) => [j.name, j.status, j.attempts])).toEqual([
      ['bad', 'failed', 1],
      ['x', 'skipped', 0],
      ['y', 'skipped', 0],
    ]);
    expect(report.jobs[1]?.reason).toMatch(/^not started: .*fail-fast.*bad failed/);
    expect(events).toContainEqual({ kind: 'run-stopping', reason: expect.stringContaining('bad') as string });
    expect(await exists(join(projects[1] ?? '', 'ran'))).toBe(false);
    expect(await exists(join(projects[2] ?? '', 'ran'))).toBe(false);
  });

  it('stops on an abort signal: the running job cancelled, the rest skipped, the run interrupted', async () => {
    const { fleet, tmp } = await open();
    const projects = await Promise.all(['slow', 'next1', 'next2'].map((n) => tmp.project(n)));
    const never = join(tmp.dir, 'never');
    const jobs = projects.map((project, i) => ({
      project,
      command: i === 0 ? gated(never, 'echo unreachable') : 'touch ran',
    }));
    const controller = new AbortController();
    const { run } = record((onEvent) =>
      fleet.runParallel(jobs, { concurrency: 1, signal: controller.signal, onEvent }),
    );
    await waitFor(() => exists(join(projects[0] ?? '', 'started')), { message: 'the slow job started' });
    controller.abort();
    const report = await run;
    expect(report.interrupted).toBe(true);
    expect(report.jobs.map((j) => [j.name, j.status])).toEqual([
      ['slow', 'cancelled'],
      ['next1', 'skipped'],
      ['next2', 'skipped'],
    ]);
    expect(report.jobs[0]?.reason).toBe('interrupted');
    expect(report.jobs[1]?.reason).toBe('not started: interrupted');
    expect(report).toMatchObject({ passed: 0, failed: 1, skipped: 2 });
    expect(await exists(join(projects[1] ?? '', 'ran'))).toBe(false);
    expect(await fleet.workers()).toEqual([]);
  });

  it('refuses a missing project before starting anything', async () => {
    const { fleet, tmp } = await open();
    const [ok, missing] = [await tmp.project('ok'), join(tmp.dir, 'missing')];
    const specs = [
      { project: ok, command: 'touch ran' },
      { project: missing, command: 'true' },
    ];
    await expect(fleet.runParallel(specs)).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND' });
    expect(await exists(join(ok, 'ran'))).toBe(false);
  });

  it('refuses a JUnit file it could not write before starting anything', async () => {
    const { fleet, tmp } = await open();
    const ok = await tmp.project('ok');
    const specs = [{ project: ok, command: 'touch ran' }];
    const plain = join(tmp.dir, 'plain.txt');
    await writeFile(plain, 'x');
    // A directory, a path under a file: the report could not be written at the end of the run.
    for (const junitFile of [tmp.dir, join(plain, 'junit.xml')])
      await expect(fleet.runParallel(specs, { junitFile })).rejects.toMatchObject({ code: 'USAGE' });
    expect(await exists(join(ok, 'ran'))).toBe(false);
    expect(await fleet.workers()).toEqual([]);
  });

  it('refuses an unknown worker type before starting anything', async () => {
    const { fleet, tmp } = await open();
    const ok = await tmp.project('ok');
    const specs = [
      { project: ok, command: 'touch ran' },
      { project: ok, name: 'odd', command: 'hello', type: 'nosuch' },
    ];
    await expect(fleet.runParallel(specs)).rejects.toMatchObject({ code: 'USAGE' });
    expect(await exists(join(ok, 'ran'))).toBe(false);
    expect(await fleet.workers()).toEqual([]);
  });
});

describe('sessions left by an owner that was killed outright', () => {
  it('are removed, with their state, by the next ephemeral fleet; kept ones stay', async () => {
    const { tmp, tmux } = await cleanups.tmpWithTmux('tmuxorch-fleet-api-');
    const home = join(tmp.dir, 'home');
    const base = { home, socket: tmux.name, env: ephemeralFleetEnv() };
    const orphan = await Fleet.ephemeral({ ...base, session: 'orphan' });
    const kept = await Fleet.ephemeral({ ...base, session: 'kept' });
    await kept.close({ keepWorkers: true });
    // The orphan's owner "dies": its controller stops without a word (its session left behind,
    // still stamped; no sweep of its own re-creates it later) and its stamp names a process that
    // has exited.
    const orphanBackend = (orphan as unknown as { backend: InProcessBackend }).backend;
    await orphanBackend.controller.shutdown({ killWorkers: false });
    // A pid above the kernel's pid_max: no process can ever have it. (The pid of a process that
    // just exited could be handed out again while the whole suite spawns thousands of processes.)
    const gone = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim()) + 1;
    await tmux.tmux('set-option', '-t', 'orphan', '@tmuxorch_owner_pid', String(gone));
    expect((await readdir(join(home, 'ephemeral'))).length).toBe(2);

    const next = await Fleet.ephemeral({ ...base, session: 'next' });
    cleanups.push(() => next.close());
    expect(await hasSession(tmux, 'orphan')).toBe(false);
    expect(await hasSession(tmux, 'kept')).toBe(true);
    expect(await hasSession(tmux, 'next')).toBe(true);
    // The orphan's state home went with it; the kept one and the new one remain.
    expect((await readdir(join(home, 'ephemeral'))).length).toBe(2);
    // The orphan's controller is still in this process (it was not really killed): let it go.
    await orphan.close().catch(() => undefined);
  });
});

describe('Fleet.close', () => {
  it('kills its own session only, and removes the state home it created', async () => {
    const { fleet, tmux, tmp, home, session } = await open({ sentinel: true });
    await fleet.spawnWorker({ type: 'shell', project: await tmp.project('w'), name: 'w' });
    expect(await hasSession(tmux, session)).toBe(true);
    expect(await readdir(join(home, 'ephemeral'))).toHaveLength(1);
    await fleet.close();
    expect(await hasSession(tmux, session)).toBe(false);
    expect(await hasSession(tmux, 'sentinel')).toBe(true);
    expect(await readdir(join(home, 'ephemeral'))).toEqual([]);
    // A second close is harmless.
    await expect(fleet.close()).resolves.toBeUndefined();
  });

  it('leaves a state home it was given, and everything with keepWorkers', async () => {
    const stateTmp = await createTmpHome('tmuxorch-fleet-api-state-');
    cleanups.push(() => stateTmp.remove());
    const stateDir = join(stateTmp.dir, 'state-home');
    const given = await open({ stateHome: stateDir });
    await given.fleet.close();
    expect(await hasSession(given.tmux, given.session)).toBe(false);
    expect(await exists(stateDir)).toBe(true);

    const kept = await open();
    await kept.fleet.spawnWorker({ type: 'shell', project: await kept.tmp.project('k'), name: 'k' });
    await kept.fleet.close({ keepWorkers: true });
    expect(await hasSession(kept.tmux, kept.session)).toBe(true);
    expect(await readdir(join(kept.home, 'ephemeral'))).toHaveLength(1);
  });
});
