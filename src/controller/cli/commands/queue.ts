// `tmuxorch queue …`: the daemon's durable job queue (what webhooks submit to). Every subcommand is
// an operation of the daemon (queue-operations.ts); `submit` builds the same payload a webhook
// sends (`tmuxorch schema job` prints its JSON Schema).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { JOB_STATUSES, type Job, type JobStatus, type JobSummary } from '../../../domain/queue/job.js';
import type { CliContext } from '../context.js';
import { collect, parseProject } from '../parse.js';
import { parseInputs } from './flow.js';

function targetOf(job: Pick<Job, 'target'>): string {
  if (!job.target) return '-';
  return 'runId' in job.target ? `run ${job.target.runId}` : `task ${job.target.taskId}`;
}

function describeLine(job: JobSummary | Job): string {
  const reason = job.reason ? `  (${job.reason})` : '';
  return `${job.id}  ${job.status.padEnd(17)} ${job.kind.padEnd(8)} ${targetOf(job).padEnd(18)} ${job.project}${reason}`;
}

function describeJob(job: Job): string {
  const lines = [
    `${job.id}: ${job.status} (${job.kind}, key ${job.key})`,
    `  project   ${job.project}`,
    `  target    ${targetOf(job)}`,
    `  attempts  ${job.attempts}`,
    `  created   ${job.createdAt}${job.startedAt ? `, started ${job.startedAt}` : ''}${job.finishedAt ? `, finished ${job.finishedAt}` : ''}`,
    `  via       ${job.source.via}${job.source.event ? ` (${job.source.event})` : ''}`,
  ];
  if (job.kind === 'task') lines.push(`  task      ${job.spec.worker}: ${job.spec.command}`);
  else if (job.spec.file) lines.push(`  workflow  ${job.spec.file}`);
  if (job.requireApproval) lines.push('  approval  required');
  if (job.reason) lines.push(`  reason    ${job.reason}`);
  return lines.join('\n');
}

function parseStatus(value: string): JobStatus {
  const status = JOB_STATUSES.find((s) => s === value);
  if (!status) throw new UsageError(`--status is one of ${JOB_STATUSES.join(', ')} (got ${value})`, {});
  return status;
}

interface SubmitFlags {
  workflow?: string;
  worker?: string;
  command?: string;
  payload?: string;
  project?: string;
  input: string[];
  mode?: string;
  requireApproval?: boolean;
  key?: string;
}

async function payloadOf(opts: SubmitFlags): Promise<unknown> {
  const given = [opts.workflow, opts.worker, opts.payload].filter((v) => v !== undefined).length;
  if (given !== 1)
    throw new UsageError(
      'queue submit takes one of --workflow FILE, --worker NAME --command CMD, --payload FILE',
      {},
    );
  if (opts.payload !== undefined) {
    const path = parseProject(opts.payload, '--payload');
    const text = await readFile(path, 'utf8').catch(() => {
      throw new UsageError(`--payload ${path} cannot be read`, {});
    });
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UsageError(`--payload ${path} is not JSON`, {});
    }
  }
  const common = {
    ...(opts.input.length > 0 ? { inputs: parseInputs(opts.input) } : {}),
    ...(opts.requireApproval ? { requireApproval: true } : {}),
  };
  if (opts.workflow !== undefined) {
    const { loadWorkflowFile } = await import('../../../infrastructure/workflow/workflow-file.js');
    const loaded = await loadWorkflowFile(parseProject(opts.workflow, '--workflow'));
    return {
      kind: 'workflow',
      workflow: loaded.document,
      project: parseProject(opts.project ?? '.'),
      ...(opts.mode ? { mode: opts.mode } : {}),
      ...common,
    };
  }
  if (opts.command === undefined) throw new UsageError('--worker needs --command CMD', {});
  return {
    kind: 'task',
    task: { worker: opts.worker, command: opts.command },
    ...(opts.project ? { project: parseProject(opts.project) } : {}),
    ...common,
  };
}

export function registerQueue(program: Command, ctx: CliContext): void {
  const queue = program
    .command('queue')
    .description('the durable job queue: jobs from webhooks or submit, waiting for capacity or approval');

  queue
    .command('submit')
    .description(
      'put a job in the queue: a workflow run, a task for a worker, or a JSON payload (tmuxorch schema job)',
    )
    .option('--workflow <file>', 'a workflow file (read here, as flow run does)')
    .option('--worker <name>', 'a task for this worker (with --command)')
    .option('--command <cmd>', "the task's command (or an agent worker's prompt)")
    .option('--payload <file>', 'a job as a webhook sends it (JSON)')
    .option('--project <dir>', 'the project it works on (default: the current directory, for a workflow)')
    .option('--input <name=value>', 'a workflow input (repeatable)', collect, [])
    .option('--mode <mode>', 'manual or auto (a workflow)')
    .option('--require-approval', 'wait for `tmuxorch queue approve ID` before starting')
    .option('--key <key>', 'idempotency key: a repeat returns the first job')
    .action(async (opts: SubmitFlags) => {
      const payload = await payloadOf(opts);
      const { job, created } = await ctx.call('queueSubmit', {
        job: payload,
        via: 'cli',
        ...(opts.key ? { key: opts.key } : {}),
      });
      ctx.print(
        { job, created },
        () => `${job.id}: ${job.status}${created ? '' : ' (already queued with that key)'}`,
      );
    });

  queue
    .command('list')
    .description('the jobs, oldest first')
    .option('--status <status>', `only jobs in this status (${JOB_STATUSES.join(', ')})`)
    .action(async (opts: { status?: string }) => {
      const list = await ctx.call('queueList', opts.status ? { status: parseStatus(opts.status) } : {});
      ctx.print(list, () => (list.jobs.length === 0 ? 'no jobs' : list.jobs.map(describeLine).join('\n')));
    });

  queue
    .command('show <job>')
    .description('a job: its status, what it runs, what it started, why it failed')
    .action(async (id: string) => {
      const job = await ctx.call('queueShow', { id });
      ctx.print(job, () => describeJob(job));
    });

  queue
    .command('approve <job>')
    .description('let a job awaiting approval start')
    .action(async (id: string) => {
      const job = await ctx.call('queueApprove', { id });
      ctx.print(job, () => describeLine(job));
    });

  queue
    .command('deny <job>')
    .description('refuse a job awaiting approval (it fails, never started)')
    .option('--reason <text>', 'why')
    .action(async (id: string, opts: { reason?: string }) => {
      const job = await ctx.call('queueDeny', { id, ...(opts.reason ? { reason: opts.reason } : {}) });
      ctx.print(job, () => describeLine(job));
    });

  queue
    .command('cancel <job>')
    .description('cancel a job (a running one has its run or task cancelled)')
    .action(async (id: string) => {
      const job = await ctx.call('queueCancel', { id });
      ctx.print(job, () => describeLine(job));
    });

  queue
    .command('retry <job>')
    .description('queue a failed job again')
    .action(async (id: string) => {
      const job = await ctx.call('queueRetry', { id });
      ctx.print(job, () => describeLine(job));
    });
}
