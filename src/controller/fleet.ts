// The TypeScript API: what the CLI does, for scripts. A Fleet is either the daemon's (connect) or
// one this process runs for itself in a tmux session of its own (ephemeral), torn down by close().
//
//   const fleet = await Fleet.open();               // the daemon's if it runs, else ephemeral
//   const report = await fleet.runParallel([{ project: '~/api', command: 'npm test' }]);
//   await fleet.close();
import type { RoleView } from '../domain/policy/enforcement.js';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DaemonNotRunningError, UsageError } from '../domain/errors.js';
import type { RunReport } from '../domain/run/run-report.js';
import type { RunSummary, RunView } from '../domain/workflow/workflow-view.js';
import type { Job, JobStatus, JobSummary } from '../domain/queue/job.js';
import type { OperationBackend } from '../application/fleet/operation-backend.js';
import type { OperationOutput } from '../application/contract/operations.js';
import type { OperationRequest } from '../application/contract/operation-inputs.js';
import type { AddWorkerInput, SendInput } from '../application/fleet/fleet-controller.js';
import type { HealthReport } from '../application/workers/health-monitor.js';
import { openEphemeralFleet } from './composition-root.js';
import { expandHome, type JobSpec } from '../application/runs/job-spec.js';
import type { RunEvent } from '../application/runs/parallel-run.js';
import type { StatusView, TaskResult, WorkerView } from '../application/contract/views.js';
import { loadSettings, resolveSettings, type Settings } from '../infrastructure/config/settings.js';
import type { Logger } from '../infrastructure/logs/logger.js';
import type { RunDirectory } from '../infrastructure/run/run-directory.js';
import { loadWorkflowFile } from '../infrastructure/workflow/workflow-file.js';
import { DaemonBackend } from './daemon-backend.js';
import { runJobs } from './fleet-run-jobs.js';
import { VERSION } from './version.js';

export interface FleetOptions {
  // Default: TMUXORCH_HOME, else ~/.tmuxorch. Its config.json applies to either kind of fleet.
  readonly home?: string | undefined;
  // tmux socket name (as tmux -L). Default: TMUXORCH_SOCKET, else your tmux server.
  readonly socket?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
}

export interface EphemeralFleetOptions extends FleetOptions {
  // Default: tmuxorch-<random>.
  readonly session?: string | undefined;
  // Where the ephemeral controller keeps state and pane logs. Default: a directory under
  // <home>/ephemeral, removed by close() unless the workers are kept.
  readonly stateHome?: string | undefined;
  // argv of window 0. Default: a shell.
  readonly statusCommand?: readonly string[] | undefined;
  readonly logger?: Logger | undefined;
}

export interface WorkflowRunOptions {
  // The project the run works on (default: the current directory).
  readonly project?: string | undefined;
  readonly inputs?: Readonly<Record<string, string>> | undefined;
  // manual: every gate waits for a person; auto: only gates marked required (and ask_human) wait.
  readonly mode?: 'manual' | 'auto' | undefined;
  readonly keepWorkers?: boolean | undefined;
}

export interface RunOptions {
  // Default: one worker per job, capped by the maxWorkers setting.
  readonly concurrency?: number | undefined;
  readonly failFast?: boolean | undefined;
  readonly keepWorkers?: boolean | undefined;
  // Stops the run: running jobs are cancelled, the rest skipped; the report says `interrupted`.
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((event: RunEvent) => void) | undefined;
  // Default: <home>/runs/<run id>.
  readonly directory?: RunDirectory | undefined;
  readonly runId?: string | undefined;
  // Also write the JUnit XML report here.
  readonly junitFile?: string | undefined;
}

export function shortId(): string {
  return randomBytes(8)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .padEnd(4, '0')
    .slice(0, 4);
}

export class Fleet {
  private constructor(
    private readonly backend: OperationBackend,
    readonly kind: 'daemon' | 'ephemeral',
    readonly session: string,
    // The user's settings (home, socket, config.json): where runs are kept.
    readonly settings: Settings,
    private readonly ownedStateHome: string | null,
  ) {}

  // The running daemon's fleet; DAEMON_NOT_RUNNING when there is none.
  static async connect(options: FleetOptions = {}): Promise<Fleet> {
    const settings = await loadSettings({ home: options.home, socket: options.socket }, options.env);
    const backend = await DaemonBackend.connect(settings.paths);
    try {
      const { session } = await backend.status().then((s) => s.daemon);
      return new Fleet(backend, 'daemon', session, settings, null);
    } catch (error) {
      await backend.close();
      throw error;
    }
  }

  // A controller in this process, in a tmux session of its own; close() ends both.
  static async ephemeral(options: EphemeralFleetOptions = {}): Promise<Fleet> {
    const env = options.env ?? process.env;
    const settings = await loadSettings({ home: options.home, socket: options.socket }, env);
    const id = shortId();
    const stateHome = options.stateHome ?? join(settings.home, 'ephemeral', id);
    const session = options.session ?? `tmuxorch-${id}`;
    // The user's config.json (agent profiles, restart policy) with a home and session of its own.
    // (An ephemeral fleet serves no HTTP API.)
    // The budget's limits are the user's too (spent in this fleet's own home).
    const own = {
      ...resolveSettings({ home: stateHome, socket: options.socket, session }, env, {
        ...settings,
        http: undefined,
        budget: undefined,
      }),
      budget: settings.budget,
    };
    const backend = await openEphemeralFleet({
      settings: own,
      env,
      version: VERSION,
      ephemeralHomesDir: join(settings.home, 'ephemeral'),
      ...(options.statusCommand ? { statusCommand: options.statusCommand } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return new Fleet(
      backend,
      'ephemeral',
      session,
      settings,
      options.stateHome === undefined ? stateHome : null,
    );
  }

  // The daemon's fleet when it runs, else an ephemeral one.
  static async open(options: EphemeralFleetOptions = {}): Promise<Fleet> {
    try {
      return await Fleet.connect(options);
    } catch (error) {
      if (!(error instanceof DaemonNotRunningError)) throw error;
      return Fleet.ephemeral(options);
    }
  }

  // A relative project is this process's, not the daemon's: resolved here (`~` too).
  spawnWorker(input: AddWorkerInput): Promise<WorkerView> {
    if (input.project.trim() === '')
      return Promise.reject(new UsageError('a worker needs a project directory', {}));
    return this.backend.addWorker({ ...input, project: resolve(expandHome(input.project)) });
  }

  removeWorker(worker: string, options: { keepPane?: boolean } = {}): Promise<WorkerView> {
    return this.backend.removeWorker(worker, options);
  }

  // Queues a task; sendTask(...).then((t) => fleet.waitTask(t.id)) to get its result.
  sendTask(input: SendInput): Promise<TaskResult> {
    return this.backend.send(input);
  }

  waitTask(taskId: string): Promise<TaskResult> {
    return this.backend.wait(taskId);
  }

  // Waits for every task and returns their results in the order given.
  collectResults(taskIds: readonly string[]): Promise<TaskResult[]> {
    return Promise.all(taskIds.map((id) => this.backend.wait(id)));
  }

  result(taskId: string): Promise<TaskResult> {
    return this.backend.result(taskId);
  }

  cancelTask(taskId: string): Promise<TaskResult> {
    return this.backend.cancel(taskId);
  }

  workers(): Promise<WorkerView[]> {
    return this.backend.workers();
  }

  status(): Promise<StatusView> {
    return this.backend.status();
  }

  healthCheck(): Promise<HealthReport> {
    return this.backend.healthCheck();
  }

  // Starts a dead or failed worker again (its restart limit reset).
  revive(worker: string): Promise<WorkerView> {
    return this.backend.call('revive', { worker });
  }

  // What a worker's pane shows; with `lines`, its last that many printed lines.
  capture(worker: string, options: { lines?: number } = {}): Promise<string> {
    return this.backend.call('capture', { worker, ...options });
  }

  // The roles this fleet knows, and one role as each enforcement layer holds it for an agent type.
  roles(): Promise<RoleView[]> {
    return this.backend.call('roles', {});
  }

  role(name: string, type?: string): Promise<RoleView> {
    return this.backend.call('roleShow', { role: name, ...(type ? { type } : {}) });
  }

  // Answers what a worker waits on: a command or tool call its role asks about, or the approval
  // question an interactive agent worker is showing.
  approve(worker: string): Promise<WorkerView> {
    return this.backend.call('approve', { worker });
  }

  deny(worker: string): Promise<WorkerView> {
    return this.backend.call('deny', { worker });
  }

  // Runs the jobs in parallel, one worker each, and writes report.json, junit.xml and every
  // job's output to the run directory (fleet-run-jobs.ts).
  runParallel(specs: readonly JobSpec[], options: RunOptions = {}): Promise<RunReport> {
    return runJobs({ backend: this.backend, kind: this.kind, settings: this.settings }, specs, options);
  }

  // Starts a workflow run (a file, or the document as parsed) in a project (default: the current
  // directory); it runs in the daemon (or this process, for an ephemeral fleet).
  async runWorkflow(fileOrSpec: string | object, options: WorkflowRunOptions = {}): Promise<RunView> {
    const document =
      typeof fileOrSpec === 'string' ? (await loadWorkflowFile(resolve(fileOrSpec))).document : fileOrSpec;
    return this.backend.call('flowRun', {
      spec: document,
      file: typeof fileOrSpec === 'string' ? resolve(fileOrSpec) : null,
      project: resolve(expandHome(options.project ?? '.')),
      inputs: options.inputs ?? {},
      mode: options.mode ?? 'manual',
      keepWorkers: options.keepWorkers ?? false,
    });
  }

  workflow(id: string): Promise<RunView> {
    return this.backend.call('flowStatus', { id });
  }

  // Follows a run until it ends: `onChange` gets the run each time a step moves or a gate opens.
  async waitWorkflow(id: string, onChange?: (run: RunView) => void): Promise<RunView> {
    let last = '';
    for (;;) {
      const run = await this.workflow(id);
      const key = JSON.stringify([
        run.status,
        run.gate,
        run.steps.map((s) => [s.status, s.attempts, s.iteration]),
      ]);
      if (key !== last) onChange?.(run);
      last = key;
      if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') return run;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async workflows(): Promise<RunSummary[]> {
    return (await this.backend.call('flowList', {})).runs;
  }

  approveWorkflow(id: string, options: { step?: string; note?: string } = {}): Promise<RunView> {
    return this.backend.call('flowApprove', { id, ...options });
  }

  denyWorkflow(id: string, reason: string, options: { step?: string } = {}): Promise<RunView> {
    return this.backend.call('flowDeny', { id, reason, ...options });
  }

  cancelWorkflow(id: string): Promise<RunView> {
    return this.backend.call('flowCancel', { id });
  }

  resumeWorkflow(id: string): Promise<RunView> {
    return this.backend.call('flowResume', { id });
  }

  cleanWorkflow(id: string): Promise<OperationOutput<'flowClean'>> {
    return this.backend.call('flowClean', { id });
  }

  workflowAudit(id: string): Promise<OperationOutput<'flowAudit'>> {
    return this.backend.call('flowAudit', { id });
  }

  // The day's agent spend (today unless `day`) against the budget, and the work it holds.
  budget(options: { day?: string } = {}): Promise<OperationOutput<'budget'>> {
    return this.backend.call('budget', options);
  }

  // The durable job queue (what webhooks submit to): a job is a workflow run or a task, as the
  // payload schema says (`tmuxorch schema job`); a repeat of its key returns the first job.
  submitJob(job: unknown, options: { key?: string } = {}): Promise<OperationOutput<'queueSubmit'>> {
    return this.backend.call('queueSubmit', { job, via: 'api', ...options });
  }

  async jobs(options: { status?: JobStatus } = {}): Promise<JobSummary[]> {
    return (await this.backend.call('queueList', options)).jobs;
  }

  job(id: string): Promise<Job> {
    return this.backend.call('queueShow', { id });
  }

  approveJob(id: string): Promise<Job> {
    return this.backend.call('queueApprove', { id });
  }

  denyJob(id: string, reason?: string): Promise<Job> {
    return this.backend.call('queueDeny', { id, ...(reason ? { reason } : {}) });
  }

  cancelJob(id: string): Promise<Job> {
    return this.backend.call('queueCancel', { id });
  }

  retryJob(id: string): Promise<Job> {
    return this.backend.call('queueRetry', { id });
  }

  // Retention: the home's finished things past config.json's rules (or these) go; never anything
  // unfinished or holding unmerged work. `{ dryRun: true }` lists them only.
  prune(options: OperationRequest<'prune'> = {}): Promise<OperationOutput<'prune'>> {
    return this.backend.call('prune', options);
  }

  // Lets go of the fleet. An ephemeral one shuts down and its session closes, unless keepWorkers.
  async close(options: { keepWorkers?: boolean } = {}): Promise<void> {
    await this.backend.close(options);
    if (this.ownedStateHome && !options.keepWorkers)
      await rm(this.ownedStateHome, { recursive: true, force: true });
  }
}
