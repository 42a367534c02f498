// What `tmuxorch run` does, loaded only when it runs (it pulls in the whole controller, yaml and
// zod): flags and jobs file in, Fleet.runParallel, progress and report out.
import { join } from 'node:path';
import { UsageError } from '../../domain/errors.js';
import { describeTests, runSucceeded, type RunReport } from '../../domain/run/run-report.js';
import type { JobSpec } from '../../application/runs/job-spec.js';
import { toRunJobs, checkProjects } from '../../application/runs/job-spec.js';
import { checkOutputDirectory, checkOutputFile } from '../../infrastructure/run/output-paths.js';
import { newRunId, RunDirectory } from '../../infrastructure/run/run-directory.js';
import { Fleet, shortId } from '../fleet.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, ExitRequest } from './exit-codes.js';
import { readJobsFile, type JobsFile } from './jobs-file.js';
import { formatDuration, stylerFor, table, type Styler } from './output.js';
import { parseCount, parseDuration, parseEnvPairs, parseProject, parseWorkerType } from './parse.js';
import { RunProgress } from './run-progress.js';

export interface RunFlags {
  project?: string[];
  cmd?: string;
  type?: string;
  concurrency?: string;
  timeout?: string;
  retries?: string;
  failFast?: boolean;
  keepWorkers?: boolean;
  env?: string[];
  junit?: string;
  out?: string;
  ephemeral?: boolean;
  quiet?: boolean;
}

// Jobs from the flags alone, or from a jobs file with the flags filling what its jobs leave out.
async function jobsOf(
  file: string | undefined,
  flags: RunFlags,
): Promise<{ specs: JobSpec[]; plan: JobsFile | null }> {
  const env = parseEnvPairs(flags.env ?? []);
  const type = flags.type === undefined ? undefined : parseWorkerType(flags.type);
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
  const retries = flags.retries === undefined ? undefined : parseCount(flags.retries, '--retries', 100);
  if (file !== undefined && flags.project?.length)
    throw new UsageError('give projects with --project or in a jobs file, not both', {});
  if (file === undefined) {
    if (!flags.project?.length)
      throw new UsageError(
        'nothing to run: tmuxorch run --project DIR [--project DIR…] --cmd CMD, or tmuxorch run jobs.yaml',
        {},
      );
    if (flags.cmd === undefined)
      throw new UsageError('--project needs --cmd, the command to run in each project', {});
    const cmd = flags.cmd;
    return {
      plan: null,
      specs: flags.project.map((project) => ({
        project: parseProject(project),
        command: cmd,
        type,
        env,
        timeoutMs,
        retries,
      })),
    };
  }
  const plan = await readJobsFile(file);
  const d = plan.defaults;
  const specs = plan.jobs.map((job) => {
    const command = job.command ?? flags.cmd ?? d.command;
    if (command === undefined)
      throw new UsageError(
        `job ${job.name ?? job.project} has no command: give it one in ${file} or use --cmd`,
        {},
      );
    return {
      project: job.project,
      name: job.name,
      command,
      type: job.type ?? type ?? d.type,
      env: { ...d.env, ...env, ...job.env },
      timeoutMs: job.timeoutMs ?? timeoutMs ?? d.timeoutMs,
      retries: job.retries ?? retries ?? d.retries,
      interactive: job.interactive ?? d.interactive,
      reports: job.reports ?? d.reports,
    };
  });
  return { specs, plan };
}

// An agent's answer in a table cell: its first line, cut short.
function firstLine(text: string | null | undefined): string {
  const line = (text ?? '').trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

function reportTable(report: RunReport, s: Styler): string {
  const rows = report.jobs.map((job) => {
    const colour = job.status === 'succeeded' ? s.green : job.status === 'skipped' ? s.dim : s.red;
    return [
      job.name,
      colour(job.status),
      job.exitCode === null ? '-' : String(job.exitCode),
      formatDuration(job.durationMs),
      String(job.attempts),
      describeTests(job.tests) || firstLine(job.agent?.text) || s.dim('-'),
    ];
  });
  const last = report.jobs.some((j) => j.agent) ? 'TESTS / ANSWER' : 'TESTS';
  const lines = [table(['JOB', 'STATUS', 'EXIT', 'TIME', 'TRIES', last], rows), ''];
  const counts = [
    s.green(`${report.passed} passed`),
    (report.failed > 0 ? s.red : s.dim)(`${report.failed} failed`),
  ];
  if (report.skipped > 0) counts.push(s.dim(`${report.skipped} skipped`));
  lines.push(
    `${counts.join(', ')} in ${formatDuration(report.durationMs)}${report.interrupted ? s.red(' (interrupted)') : ''}`,
  );
  for (const job of report.jobs.filter((j) => j.status !== 'succeeded' && j.outputFile))
    lines.push(s.dim(`  ${job.name}: ${job.outputFile ?? ''}`));
  lines.push(s.dim(`report: ${join(report.runDir, 'report.json')}`));
  return lines.join('\n');
}

export async function runJobs(
  ctx: CliContext,
  file: string | undefined,
  flags: RunFlags,
  signal: AbortSignal,
): Promise<void> {
  const { specs, plan } = await jobsOf(file, flags);
  const jobs = toRunJobs(specs);
  await checkProjects(jobs);
  const concurrency =
    flags.concurrency !== undefined
      ? parseCount(flags.concurrency, '--concurrency', 1000)
      : (plan?.concurrency ?? jobs.length);
  if (concurrency < 1) throw new UsageError('--concurrency must be at least 1', {});
  const failFast = flags.failFast ?? plan?.failFast ?? false;
  // Every path the run writes to is checked before anything starts (see output-paths.ts).
  const junitFile = flags.junit === undefined ? undefined : await checkOutputFile('--junit', flags.junit);
  const out = flags.out === undefined ? undefined : await checkOutputDirectory('--out', flags.out);
  const settings = await ctx.withUserConfig();
  const runId = newRunId(new Date(), shortId());
  const dir = out ?? join(settings.home, 'runs', runId);
  if (out === undefined) await checkOutputDirectory('the run directory', dir);
  else if (await RunDirectory.isUsed(dir))
    throw new UsageError(`--out ${dir} already holds a run: give an empty or new directory`, { dir });
  const tmux = `tmux${settings.socket.name ? ` -L ${settings.socket.name}` : ''}`;

  // The fleet first: a fleet that cannot start leaves no run directory behind. (An ephemeral one
  // keeps its state in the run directory, and window 0 follows the progress log there.)
  const progressFile = join(dir, 'progress.log');
  const fleet = await (flags.ephemeral ? Fleet.ephemeral : Fleet.open)({
    home: ctx.options.home,
    socket: ctx.options.socket,
    session: `tmuxorch-run-${runId.slice(-4)}`,
    stateHome: join(dir, 'fleet'),
    statusCommand: ['tail', '-n', '+1', '-F', progressFile],
  });
  let report: RunReport;
  let directory: RunDirectory | null = null;
  let logging = Promise.resolve();
  const progress = new RunProgress(jobs, {
    stream: process.stderr,
    style: stylerFor(process.stderr),
    live: process.stderr.isTTY === true && !ctx.json,
    quiet: flags.quiet === true,
    log: (line) => {
      logging = logging.then(() => directory?.appendProgress(line)).catch(() => undefined);
    },
  });
  const onAbort = (): void => progress.say('interrupted: cancelling the running jobs and cleaning up…');
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    directory = await RunDirectory.create(dir).catch((error: unknown) => {
      throw new UsageError(`cannot keep the run in ${dir}: ${(error as Error).message}`, { dir });
    });
    const where = fleet.kind === 'daemon' ? "on the daemon's fleet" : 'on a controller of its own';
    progress.start();
    report = await fleet.runParallel(jobs, {
      runId,
      directory,
      concurrency,
      failFast,
      keepWorkers: flags.keepWorkers,
      signal,
      onEvent: (event) => {
        if (event.kind !== 'run-started') progress.onEvent(event);
        else
          progress.say(
            `run ${runId}: ${jobs.length} job${jobs.length === 1 ? '' : 's'}, ${event.concurrency} at a time, ` +
              `${where} in session ${fleet.session} (watch: ${tmux} attach -t ${fleet.session})`,
          );
      },
      junitFile,
    });
  } finally {
    progress.finish();
    signal.removeEventListener('abort', onAbort);
    // A fleet that fails to close must not hide the run's own outcome (or its error).
    await fleet.close({ keepWorkers: flags.keepWorkers === true }).catch((error: unknown) => {
      process.stderr.write(`tmuxorch: could not close the run's fleet: ${(error as Error).message}\n`);
    });
    await logging;
  }
  if (flags.keepWorkers) {
    progress.say(
      fleet.kind === 'daemon'
        ? 'workers kept: tmuxorch list; tmuxorch remove-worker NAME when done'
        : `workers kept: ${tmux} attach -t ${fleet.session}; ${tmux} kill-session -t ${fleet.session} when done`,
    );
  }
  ctx.print(report, () => reportTable(report, ctx.out));
  if (report.interrupted) throw new ExitRequest(EXIT_INTERRUPTED);
  if (!runSucceeded(report)) throw new ExitRequest(EXIT_FAILED);
}
