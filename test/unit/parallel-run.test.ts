// runParallel's bookkeeping where a real fleet cannot be made to fail on cue: a fleet (daemon)
// that goes away between two attempts of a job. The fleet is an in-memory stand-in; the run
// directory is real.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { FleetBackend } from '../../src/application/fleet/fleet-backend.js';
import { runParallel } from '../../src/application/runs/parallel-run.js';
import type { TaskResult, WorkerView } from '../../src/application/contract/views.js';
import { DaemonNotRunningError } from '../../src/domain/errors.js';
import type { RunJob } from '../../src/domain/run/run-job.js';
import { RunDirectory } from '../../src/infrastructure/run/run-directory.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-parallel-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const job: RunJob = {
  name: 'api',
  project: '/src/api',
  command: 'npm test',
  type: 'shell',
  env: {},
  timeoutMs: null,
  retries: 2,
  interactive: false,
};

function result(
  id: string,
  status: TaskResult['status'],
  exitCode: number | null,
  output: string,
): TaskResult {
  return {
    id,
    worker: 'api',
    status,
    exitCode,
    output,
    startedAt: null,
    finishedAt: null,
    durationMs: 100,
    command: job.command,
    priority: 'normal',
    attempts: 1,
    reason: null,
    prompt: null,
    agent: null,
  };
}

// A fleet whose first task fails (exit 1, one failing test) and whose daemon is gone after that.
function fleetThatGoesAway(): FleetBackend & { removed: string[] } {
  let sent = 0;
  const worker = { id: 'w-1', name: 'api', paneId: '%1' } as WorkerView;
  const gone = (): Promise<never> => Promise.reject(new DaemonNotRunningError('the daemon stopped', {}));
  return {
    removed: [],
    addWorker: () => Promise.resolve(worker),
    async removeWorker(name) {
      this.removed.push(name);
      return worker;
    },
    send: () => (++sent === 1 ? Promise.resolve(result('t-1', 'queued', null, '')) : gone()),
    wait: () => Promise.resolve(result('t-1', 'failed', 1, 'ℹ tests 1\nℹ pass 0\nℹ fail 1\n')),
    result: gone,
    cancel: gone,
    workers: () => Promise.resolve([worker]),
    status: gone,
    healthCheck: gone,
    close: () => Promise.resolve(),
  };
}

it("reports a job lost in a later attempt as that attempt, not with the earlier one's result", async () => {
  const fleet = fleetThatGoesAway();
  const directory = await RunDirectory.create(join(dir, 'run'));
  const report = await runParallel(fleet, [job], { runId: 'r', directory, concurrency: 1 });
  const [api] = report.jobs;
  expect(api).toMatchObject({
    status: 'lost',
    exitCode: null,
    tests: null,
    attempts: 2,
    durationMs: 100,
    reason: 'the daemon stopped',
    taskIds: ['t-1'],
  });
  // The log is the lost attempt's; the first attempt's output sits beside it.
  expect(await readFile(api?.outputFile ?? '', 'utf8')).toContain(
    'attempt 2 could not run: the daemon stopped',
  );
  expect(await readFile(join(dir, 'run', 'jobs', 'api.attempt-1.log'), 'utf8')).toContain('ℹ fail 1');
  expect(report).toMatchObject({ passed: 0, failed: 1, skipped: 0, interrupted: false });
  expect(fleet.removed).toEqual(['w-1']);
});
