#!/usr/bin/env node
// The TypeScript API in a few lines: run a command in several projects in parallel, one tmux pane
// each, then use the lower-level calls the CLI is built on. (TypeScript users get the same with
// types: `import { Fleet, type RunReport } from 'tmuxorch'`.)
//
//   node examples/parallel-tests.mjs [--cmd "npm test"] DIR [DIR…]
//
// With the daemon running (`tmuxorch start`) the jobs run on its fleet; without it, on a
// controller in this process, in a tmux session of its own that close() removes. Ctrl-C cancels
// the running jobs and cleans up. Exit code 0 only when every project passed.
import { Fleet } from '../dist/index.js'; // in your project: from 'tmuxorch'

const args = process.argv.slice(2);
const cmdAt = args.indexOf('--cmd');
const command = cmdAt >= 0 ? args.splice(cmdAt, 2)[1] : 'npm test';
if (args.length === 0) {
  console.error('usage: node examples/parallel-tests.mjs [--cmd "npm test"] DIR [DIR…]');
  process.exit(2);
}

const fleet = await Fleet.open();
const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
try {
  console.log(`${fleet.kind} fleet, tmux session ${fleet.session}`);

  // 1. The one-call way: one job per project, at most 4 at once, each retried once.
  const report = await fleet.runParallel(
    args.map((project) => ({ project, command, timeoutMs: 10 * 60_000, retries: 1 })),
    {
      concurrency: 4,
      signal: abort.signal,
      onEvent: (event) => {
        if (event.kind === 'job-finished') console.log(`  ${event.job.name}: ${event.report.status}`);
      },
    },
  );
  for (const job of report.jobs) {
    const tests = job.tests ? `${job.tests.passed} passed, ${job.tests.failed} failed` : 'no test summary';
    console.log(`${job.name.padEnd(16)} ${job.status.padEnd(10)} exit ${job.exitCode ?? '-'}  ${tests}`);
  }
  console.log(`report: ${report.runDir}/report.json (and junit.xml)`);

  // 2. The building blocks: a worker of your own, tasks, their results, a health sweep.
  if (!abort.signal.aborted) {
    const worker = await fleet.spawnWorker({
      type: 'shell',
      project: args[0],
      name: `api-example-${process.pid}`,
    });
    try {
      const tasks = await Promise.all([
        fleet.sendTask({
          worker: worker.name,
          command: 'git rev-parse --short HEAD 2>/dev/null || echo "not a git repo"',
        }),
        fleet.sendTask({ worker: worker.name, command: 'ls | wc -l' }),
      ]);
      const results = await fleet.collectResults(tasks.map((t) => t.id));
      for (const r of results)
        console.log(`task ${r.id}: ${r.status}, output ${JSON.stringify(r.output?.trim())}`);
      const health = await fleet.healthCheck();
      const alive = health.verdicts.filter((v) => v.kind === 'alive').length;
      console.log(`health: ${alive} of ${health.verdicts.length} workers alive`);
    } finally {
      await fleet.removeWorker(worker.name);
    }
  }
  process.exitCode = report.interrupted ? 130 : report.passed === report.jobs.length ? 0 : 1;
} finally {
  await fleet.close();
}
