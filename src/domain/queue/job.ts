// A queue job: a workflow run or a fleet task that someone (a webhook, the CLI, a script) asked
// for, held in the daemon's durable queue until there is capacity (and, if it asks for one, a
// person's approval), then started once and followed to its end.
//
//   pending ──► running ──► done | failed
//     ▲  ▲         └──────► pending   (reclaimed at start: it was never started, so it may start)
//     │  └── awaiting_approval ──► failed (denied, cancelled)
//     │          (approve)
//     └────── failed (retry)
//   pending, awaiting_approval, running ──► failed (cancel: its run or task is cancelled too)
//
// The payload a webhook (or `queue submit`) sends is `jobPayloadSchema`; its JSON Schema is
// published (`tmuxorch schema job`, `GET /v1/webhook/schema`).
import { jsonSchemaOf } from '../json-schema.js';
import { z } from 'zod';
import { assertTransition, type TransitionTable } from '../transition.js';
import { UsageError } from '../errors.js';

export const JOB_STATUSES = ['pending', 'awaiting_approval', 'running', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_KINDS = ['workflow', 'task'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_SOURCES = ['webhook', 'cli', 'api'] as const;
export type JobSourceVia = (typeof JOB_SOURCES)[number];

const ALLOWED: TransitionTable<JobStatus> = {
  pending: ['running', 'failed'],
  awaiting_approval: ['pending', 'failed'],
  running: ['done', 'failed', 'pending'],
  done: [],
  failed: ['pending'],
};

export function canTransitionJob(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function isJobFinished(status: JobStatus): boolean {
  return status === 'done' || status === 'failed';
}

// What it started: a workflow run or a fleet task (null: nothing yet, or not known yet).
export type JobTarget = { readonly runId: string } | { readonly taskId: string } | null;

export interface JobSource {
  readonly via: JobSourceVia;
  // X-GitHub-Event, X-GitHub-Delivery (or whatever the sender's headers say), when a webhook sent it.
  readonly event?: string | undefined;
  readonly delivery?: string | undefined;
}

export interface WorkflowJobSpec {
  // The workflow document as parsed (a file named at submission is read then: what runs is what
  // was accepted, not what the file says later).
  readonly document: unknown;
  readonly file: string | null;
}

export interface TaskJobSpec {
  readonly worker: string;
  readonly command: string;
}

export interface JobBase {
  readonly id: string;
  // The idempotency key: a second submission with it gets this job back (default: the id).
  readonly key: string;
  // FIFO order among pending jobs, stable across restarts.
  readonly seq: number;
  // The capacity unit (`queue.perProject`): a workflow's project; a task's, or `worker:<name>`.
  readonly project: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly mode: 'manual' | 'auto';
  readonly requireApproval: boolean;
  readonly status: JobStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  // How many times it was started (a retry starts it again; a reclaim of a never-started one does not count).
  readonly attempts: number;
  readonly target: JobTarget;
  readonly reason: string | null;
  readonly source: JobSource;
}

export type Job =
  | (JobBase & { readonly kind: 'workflow'; readonly spec: WorkflowJobSpec })
  | (JobBase & { readonly kind: 'task'; readonly spec: TaskJobSpec });

// What a transition may change besides the status.
export type JobChange = Partial<Omit<JobBase, 'id' | 'key' | 'seq' | 'status' | 'updatedAt'>>;

// The job moved to `to` with `change`, or INVALID_TRANSITION.
export function transitionJob(job: Job, to: JobStatus, change: JobChange, now: string): Job {
  assertTransition(ALLOWED, job.status, to, `job ${job.id}`, { jobId: job.id });
  return { ...job, ...change, status: to, updatedAt: now };
}

// The tag put on what a job starts (a run's record, a task's `tag`), so that a daemon killed
// between deciding to start it and recording its id finds it: one per attempt.
export function jobTag(job: Pick<Job, 'id' | 'attempts'>): string {
  return `${job.id}:${job.attempts}`;
}

// --- the payload (a webhook's body, `queue submit`'s file) ---

const KEY = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'is at most 200 characters')
  .regex(/^[\x21-\x7e]+$/, 'is printable ASCII without spaces');

const absolute = z.string().min(1, 'must not be empty').regex(/^\//, 'must be an absolute path');

const common = {
  project: absolute.describe('the project directory (absolute): where the workflow runs'),
  inputs: z
    .record(z.string(), z.string())
    .optional()
    .describe('workflow inputs, NAME → value (as --input NAME=value)'),
  requireApproval: z.boolean().optional().describe('wait for `tmuxorch queue approve ID` before starting'),
  key: KEY.optional().describe(
    'idempotency key (else the Idempotency-Key or X-GitHub-Delivery header): a repeat returns the first job',
  ),
};

export const workflowPayloadSchema = z
  .object({
    kind: z.literal('workflow'),
    workflow: z
      .union([
        z.record(z.string(), z.unknown()).describe('the workflow document (as `flow run` reads a file)'),
        absolute.describe('a workflow file on the daemon’s machine (read when the job is accepted)'),
      ])
      .describe('the workflow document, or the absolute path of a workflow file'),
    mode: z
      .enum(['manual', 'auto'])
      .optional()
      .describe('manual: every gate waits; auto: only required ones'),
    ...common,
  })
  .strict();

export const taskPayloadSchema = z
  .object({
    kind: z.literal('task'),
    task: z
      .object({
        worker: z.string().min(1, 'must not be empty').max(200),
        command: z.string().min(1, 'must not be empty').max(1_000_000),
      })
      .strict()
      .describe('a task for a worker of the fleet: a shell command, or an agent worker’s prompt'),
    ...common,
    project: common.project.optional(),
  })
  .strict();

export const jobPayloadSchema = z
  .discriminatedUnion('kind', [workflowPayloadSchema, taskPayloadSchema])
  .describe('a tmuxorch queue job: a workflow run or a fleet task');
export type JobPayload = z.infer<typeof jobPayloadSchema>;

// The published JSON Schema of the payload (draft 2020-12).
export function jobPayloadJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://tmuxorch.dev/schemas/queue-job.json',
    title: 'tmuxorch queue job',
    ...jsonSchemaOf(jobPayloadSchema),
  };
}

export interface PayloadIssue {
  // JSON Pointer of the field at fault (`/task/command`), '' for the document.
  readonly path: string;
  readonly message: string;
}

export type PayloadCheck = { readonly payload: JobPayload } | { readonly issues: readonly PayloadIssue[] };

export function checkJobPayload(raw: unknown): PayloadCheck {
  const parsed = jobPayloadSchema.safeParse(raw);
  if (parsed.success) return { payload: parsed.data };
  return {
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join(''),
      message: issue.message,
    })),
  };
}

// What `queue list` shows of a job (no document).
export interface JobSummary {
  readonly id: string;
  readonly key: string;
  readonly kind: JobKind;
  readonly project: string;
  readonly status: JobStatus;
  readonly requireApproval: boolean;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly attempts: number;
  readonly target: JobTarget;
  readonly reason: string | null;
  readonly via: JobSourceVia;
}

export function toJobSummary(job: Job): JobSummary {
  return {
    id: job.id,
    key: job.key,
    kind: job.kind,
    project: job.project,
    status: job.status,
    requireApproval: job.requireApproval,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    attempts: job.attempts,
    target: job.target,
    reason: job.reason,
    via: job.source.via,
  };
}

// --- the stored record (one file per job), checked when read back ---

const isoDate = z.string().min(1);

const baseRecord = {
  id: z.string().regex(/^j[a-z0-9]{4,40}$/),
  key: z.string().min(1),
  seq: z.number().int().nonnegative(),
  project: z.string().min(1),
  inputs: z.record(z.string(), z.string()),
  mode: z.enum(['manual', 'auto']),
  requireApproval: z.boolean(),
  status: z.enum(JOB_STATUSES),
  createdAt: isoDate,
  updatedAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  attempts: z.number().int().nonnegative(),
  target: z.union([z.object({ runId: z.string() }), z.object({ taskId: z.string() }), z.null()]),
  reason: z.string().nullable(),
  source: z.object({
    via: z.enum(JOB_SOURCES),
    event: z.string().optional(),
    delivery: z.string().optional(),
  }),
};

export const jobRecordSchema = z.discriminatedUnion('kind', [
  z.object({
    ...baseRecord,
    kind: z.literal('workflow'),
    spec: z.object({ document: z.unknown(), file: z.string().nullable() }),
  }),
  z.object({
    ...baseRecord,
    kind: z.literal('task'),
    spec: z.object({ worker: z.string().min(1), command: z.string() }),
  }),
]);

export const JOB_ID_PATTERN = /^j[a-z0-9]{4,40}$/;

// The next pending job that capacity allows (`maxConcurrent` running overall, `perProject` per
// project), in the order the jobs are given; null when none may start.
export function nextStartable(
  jobs: readonly Job[],
  limits: { readonly maxConcurrent: number; readonly perProject: number },
): Job | null {
  const running = jobs.filter((j) => j.status === 'running');
  if (running.length >= limits.maxConcurrent) return null;
  const busy = new Map<string, number>();
  for (const j of running) busy.set(j.project, (busy.get(j.project) ?? 0) + 1);
  return jobs.find((j) => j.status === 'pending' && (busy.get(j.project) ?? 0) < limits.perProject) ?? null;
}

// Why an operation the job's status does not allow (approve, deny, retry) is refused, or null.
export function jobStatusRefusal(
  job: Job,
  status: 'awaiting_approval' | 'failed',
  verb: string,
): string | null {
  if (job.status === status) return null;
  const which = status === 'failed' ? 'a failed job' : 'a job awaiting approval';
  return `job ${job.id} is ${job.status}: only ${which} can be ${verb}`;
}

export function requireJobStatus(job: Job, status: 'awaiting_approval' | 'failed', verb: string): void {
  const refused = jobStatusRefusal(job, status, verb);
  if (refused) throw new UsageError(refused, { id: job.id });
}
