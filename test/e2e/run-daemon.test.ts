// `tmuxorch run` on the daemon's fleet: it takes only the room the fleet has left (maxWorkers),
// and on Ctrl-C the run's job is cancelled and its worker removed while the daemon and the user's
// own workers go on, and nothing of the job keeps running.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunReport } from '../../src/domain/run/run-report.js';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import * as npm from '../helpers/npm-projects.js';
import { waitFor } from '../helpers/wait-for.js';
import { addShell, cleanupAndCheck, expectOk, runJson, type WorkerView } from './support.js';

let fleet: CliFleet;

beforeAll(async () => {
  fleet = await createCliFleet();
  // Room for the user's worker and two of a run's.
  await expectOk(fleet, ['config', 'set', 'maxWorkers', '3']);
  await expectOk(fleet, ['start']);
  await addShell(fleet, 'mine');
});

afterAll(async () => {
  await cleanupAndCheck(fleet);
});

it("Ctrl-C cancels the job on the daemon's fleet, removes its worker and leaves the rest running", async () => {
  const token = `dctrlc${randomBytes(5).toString('hex')}`;
  const hang = await npm.writeNodeTestProject(await fleet.home.project(`hang-${token}`), 'hang', token);
  const quick = await npm.writeNodeTestProject(await fleet.home.project('quick'), 'passing');
  // --concurrency 1 with the hanging project first: the second job is still waiting at Ctrl-C.
  const args = ['run', '--project', hang, '--project', quick, '--cmd', 'npm test', '--concurrency', '1'];
  const report = await npm.interruptWhileTesting(fleet, args, token);
  expect(report.jobs.map((j) => [j.name, j.status])).toEqual([
    [`hang-${token}`, 'cancelled'],
    ['quick', 'skipped'],
  ]);
  expect(report).toMatchObject({ passed: 0, failed: 1, skipped: 1 });
  // The daemon is still up, with the user's worker only; the job's processes are gone.
  const { exitCode, body } = await runJson<WorkerView[]>(fleet, ['list']);
  expect(exitCode).toBe(0);
  expect(body.map((w) => [w.name, w.state])).toEqual([['mine', 'idle']]);
  await waitFor(async () => (await npm.processesWith(token)).length === 0, {
    timeoutMs: 15_000,
    message: `no process left in or naming ${token}`,
  });
  // The user's worker still takes tasks.
  const echo = await fleet.run(['send', 'mine', '--wait', '--', 'echo still here']);
  expect(echo.stdout).toContain('still here');
});

it("runs every job within the room the daemon's fleet has left", async () => {
  const projects = await Promise.all(
    ['one', 'two', 'three'].map(async (name) =>
      npm.writeNodeTestProject(await fleet.home.project(`room-${name}`), 'passing'),
    ),
  );
  const args = ['run', ...projects.flatMap((p) => ['--project', p]), '--cmd', 'npm test'];
  const { exitCode, body, run } = await runJson<RunReport>(fleet, args);
  expect(exitCode, run.stderr).toBe(0);
  expect(body).toMatchObject({ passed: 3, failed: 0, skipped: 0 });
  // Three jobs asked for three workers; with the user's one there is room for two at a time.
  expect(run.stderr).toContain('3 jobs, 2 at a time');
  expect((await runJson<WorkerView[]>(fleet, ['list'])).body.map((w) => w.name)).toEqual(['mine']);
});
