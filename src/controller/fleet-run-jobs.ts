// `Fleet.runParallel`: the jobs run in parallel, one worker each, on the fleet's backend; the run
// directory gets report.json, junit.xml and every job's output.
import { dirname, join } from 'node:path';
import { UsageError } from '../domain/errors.js';
import { ProfileRegistry } from '../domain/agents/registry.js';
import { junitXml } from '../domain/run/junit.js';
import { junitSuiteOf, type RunReport } from '../domain/run/run-report.js';
import type { ReportFile } from '../domain/run/job-tests.js';
import type { OperationBackend } from '../application/fleet/operation-backend.js';
import { checkProjects, toRunJobs, type JobSpec } from '../application/runs/job-spec.js';
import { runParallel } from '../application/runs/parallel-run.js';
import type { Settings } from '../infrastructure/config/settings.js';
import { writeFileAtomic } from '../infrastructure/fs/atomic-file.js';
import { checkOutputFile } from '../infrastructure/run/output-paths.js';
import { newRunId, pruneRuns, RunDirectory } from '../infrastructure/run/run-directory.js';
import { shortId, type RunOptions } from './fleet.js';

// How many finished runs <home>/runs keeps.
const KEEP_RUNS = 50;

export interface FleetParts {
  readonly backend: OperationBackend;
  readonly kind: 'daemon' | 'ephemeral';
  readonly settings: Settings;
}

export async function runJobs(
  fleet: FleetParts,
  specs: readonly JobSpec[],
  options: RunOptions = {},
): Promise<RunReport> {
  const jobs = toRunJobs(specs);
  const { concurrency = jobs.length } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError(`concurrency must be a whole number of at least 1 (got ${concurrency})`, {
      concurrency,
    });
  // Everything a job names is checked before the first one starts: its type, its project.
  const profiles = new ProfileRegistry(fleet.settings.agents);
  for (const job of jobs) profiles.require(job.type);
  await checkProjects(jobs);
  // And where the report goes: a run that cannot keep it must not run first.
  const junitFile =
    options.junitFile === undefined ? undefined : await checkOutputFile('junitFile', options.junitFile);
  // The daemon's fleet may have workers already: the run takes the room that is left.
  const room =
    fleet.kind === 'daemon'
      ? fleet.settings.maxWorkers -
        (await fleet.backend.workers()).filter((w) => w.state !== 'stopped').length
      : fleet.settings.maxWorkers;
  const runId = options.runId ?? newRunId(new Date(), shortId());
  const runsDir = join(fleet.settings.home, 'runs');
  const directory = options.directory ?? (await RunDirectory.create(join(runsDir, runId)));
  const report = await runParallel(fleet.backend, jobs, {
    runId,
    directory,
    concurrency: Math.max(1, Math.min(concurrency, room)),
    failFast: options.failFast,
    keepWorkers: options.keepWorkers,
    // The daemon's fleet has other workers: a prefix keeps the names apart and says whose they are.
    workerPrefix: fleet.kind === 'daemon' ? `run-${runId.slice(-4)}-` : '',
    signal: options.signal,
    onEvent: options.onEvent,
  });
  const outputs = new Map<string, string>();
  const reports = new Map<string, ReportFile[]>();
  for (const job of report.jobs) {
    outputs.set(job.name, await directory.readOutput(job.name));
    reports.set(job.name, await directory.readReports(job.name));
  }
  const xml = junitXml(junitSuiteOf(report, outputs, reports));
  await directory.writeReport(`${JSON.stringify(report, null, 2)}\n`, xml);
  if (junitFile !== undefined) await writeFileAtomic(junitFile, xml, { mode: 0o644 });
  // Runs under <home>/runs are pruned (a directory given elsewhere, --out, is the caller's).
  if (dirname(directory.dir) === runsDir) await pruneRuns(runsDir, KEEP_RUNS).catch(() => undefined);
  return report;
}
