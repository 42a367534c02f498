// What each fleet operation takes, declared once: the daemon's socket checks a request against
// these schemas and the use cases (FleetController) check their input against the same ones, so
// a value from any caller (the socket, the TypeScript API, `tmuxorch run`) is a USAGE error that
// changes nothing, and a state file tmuxorch wrote can always be read back.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../domain/errors.js';
import { ROLE_NAME_PATTERN } from '../../domain/policy/role.js';
import { workerPolicySchema } from '../../domain/policy/worker-policy.js';
import { JOB_ID_PATTERN, JOB_STATUSES } from '../../domain/queue/job.js';
import { AGE_PATTERN } from '../../domain/retention/retention-age.js';
import { RETENTION_KINDS } from '../../domain/retention/retention-plan.js';
import { TASK_PRIORITIES } from '../../domain/task.js';
import { WORKER_TYPE_PATTERN } from '../../domain/worker.js';

// Node's timers take at most 2^31-1 ms; a longer one fires at once (TimeoutOverflowWarning).
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

// The daemon's working directory is nobody's project: a client resolves a relative path itself
// (the CLI and the Fleet API do) and the daemon takes absolute ones only.
export const absolutePath = z
  .string()
  .min(1, 'must not be empty')
  .refine((path) => isAbsolute(path), 'must be an absolute path (resolve it in the client)');

// Names as `--env` takes them; a value reaches the pane through a file the shell sources, one
// line per variable, so it takes no line break.
export const workerEnv = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and _'),
  z.string().regex(/^[^\r\n\0]*$/, 'a value cannot hold a line break'),
);

const workerRef = z.string().min(1, 'must not be empty');
const runRef = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'is a run id such as r3kq7xz');
const stepRef = z.string().min(1, 'must not be empty').max(64);
const taskRef = z.string().min(1, 'must not be empty');
const jobRef = z.string().regex(JOB_ID_PATTERN, 'is a job id such as j3kq7xzab2');

export const operationInputs = {
  ping: z.object({}).optional(),
  status: z.object({ withOutput: z.boolean().optional() }).optional(),
  list: z.object({}).optional(),
  addWorker: z.object({
    type: z.string().regex(WORKER_TYPE_PATTERN, 'is a lower-case word (letters, digits, - and _)'),
    project: absolutePath,
    name: z.string().min(1, 'must not be empty').optional(),
    env: workerEnv.optional(),
    role: z.string().regex(ROLE_NAME_PATTERN, 'is a role name such as coder or reviewer').optional(),
    // A role resolved with its place (a workflow step's); takes the place of `role`.
    policy: workerPolicySchema.optional(),
    model: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/, 'is a model name such as sonnet or gpt-5')
      .optional(),
    interactive: z.boolean().optional(),
  }),
  approve: z.object({ worker: workerRef }),
  deny: z.object({ worker: workerRef }),
  removeWorker: z.object({ worker: workerRef, keepPane: z.boolean().optional() }),
  send: z.object({
    worker: workerRef,
    command: z.string(),
    priority: z.enum(TASK_PRIORITIES).optional(),
    timeoutMs: z.number().int().positive().max(MAX_TIMEOUT_MS).nullable().optional(),
    retries: z.number().int().min(0).max(100).optional(),
    // A label to find the task by (a queue job sets its own).
    tag: z.string().min(1).max(100).optional(),
  }),
  // timeoutMs: answer with the task as it is by then (HTTP and MCP bound every wait).
  wait: z.object({ id: taskRef, timeoutMs: z.number().int().min(0).max(MAX_TIMEOUT_MS).optional() }),
  result: z.object({ id: taskRef }),
  cancel: z.object({ id: taskRef }),
  healthCheck: z.object({}).optional(),
  revive: z.object({ worker: workerRef }),
  capture: z.object({ worker: workerRef, lines: z.number().int().min(0).optional() }),
  logFile: z.object({ target: z.string().min(1, 'must not be empty') }),
  stop: z.object({ killWorkers: z.boolean().optional() }).optional(),
  flowRun: z
    .object({
      // The workflow document as parsed from its file (YAML or JSON), validated by the use case.
      spec: z.unknown(),
      file: z.string().nullable().optional(),
      project: absolutePath,
      inputs: z.record(z.string(), z.string()).optional(),
      mode: z.enum(['manual', 'auto']).optional(),
      keepWorkers: z.boolean().optional(),
    })
    .strict(),
  flowStatus: z.object({ id: runRef }),
  flowList: z.object({}).optional(),
  flowApprove: z.object({ id: runRef, step: stepRef.optional(), note: z.string().max(4_000).optional() }),
  flowDeny: z.object({
    id: runRef,
    step: stepRef.optional(),
    reason: z.string().min(1, 'must say why').max(4_000),
  }),
  flowCancel: z.object({ id: runRef }),
  flowResume: z.object({ id: runRef }),
  flowAudit: z.object({ id: runRef }),
  flowClean: z.object({ id: runRef }),
  // An agent's PreToolUse hook: its tool call as the hook's payload carries it.
  policyCheck: z.object({
    worker: workerRef,
    tool: z.string().min(1, 'must name the tool').max(200),
    input: z.record(z.string(), z.unknown()).default({}),
    cwd: absolutePath.nullable().optional(),
  }),
  policyAnswer: z.object({ worker: workerRef, approval: z.string().min(1).max(64) }),
  roles: z.object({}).optional(),
  // The job queue (queue-operations.ts). The job itself is checked against the published payload
  // schema (domain/queue/job.ts) by the queue, whoever submits it.
  queueSubmit: z
    .object({
      job: z.unknown(),
      key: z.string().min(1).max(200).nullable().optional(),
      via: z.enum(['cli', 'api']).optional(),
    })
    .strict(),
  queueList: z.object({ status: z.enum(JOB_STATUSES).optional() }).optional(),
  queueShow: z.object({ id: jobRef }),
  queueApprove: z.object({ id: jobRef }),
  queueDeny: z.object({ id: jobRef, reason: z.string().min(1).max(4_000).optional() }),
  queueCancel: z.object({ id: jobRef }),
  queueRetry: z.object({ id: jobRef }),
  // The budget (budget-operations.ts): a day's spend, today by default.
  budget: z
    .object({
      day: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'is a day such as 2026-12-08')
        .optional(),
    })
    .optional(),
  // Retention (application/retention/prune-home.ts): config.json's rules, or these overrides.
  prune: z
    .object({
      dryRun: z.boolean().optional(),
      olderThan: z.string().regex(AGE_PATTERN, 'is an age such as 7d, 12h, 30m or 0s').optional(),
      keep: z.number().int().min(0).max(1_000_000).optional(),
      kinds: z.array(z.enum(RETENTION_KINDS)).min(1).optional(),
    })
    .strict()
    .optional(),
  roleShow: z.object({
    role: z.string().regex(ROLE_NAME_PATTERN, 'is a role name such as coder or reviewer'),
    type: z.string().regex(WORKER_TYPE_PATTERN, 'is an agent type such as claude').optional(),
  }),
} as const;

export type OperationName = keyof typeof operationInputs;
export type OperationInput<N extends OperationName> = z.infer<(typeof operationInputs)[N]>;

// The input checked against its operation's schema, or a USAGE error naming the field.
export function parseInput<N extends OperationName>(operation: N, input: unknown): OperationInput<N> {
  const parsed = operationInputs[operation].safeParse(input);
  if (parsed.success) return parsed.data as OperationInput<N>;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'input';
  throw new UsageError(`bad ${field}: ${issue?.message ?? 'invalid'}`, { operation, field });
}

// What a caller passes (before defaults), as the API and the CLI build it.
export type OperationRequest<N extends OperationName> = z.input<(typeof operationInputs)[N]>;
