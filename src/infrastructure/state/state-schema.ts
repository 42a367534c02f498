// The on-disk shape of state/state.json, validated with zod on every load. Bump STATE_VERSION on
// any incompatible change and add a migration in state-store.ts.
import { z } from 'zod';
import { TASK_PRIORITIES, TASK_STATUSES, type Task } from '../../domain/task.js';
import { workerPolicySchema } from '../../domain/policy/worker-policy.js';
import {
  AGENT_CONDITIONS,
  WORKER_MODES,
  WORKER_STATES,
  WORKER_TYPE_PATTERN,
  type Worker,
} from '../../domain/worker.js';

export const STATE_VERSION = 1;

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not a date');

const pendingApprovalSchema = z.object({
      id: z.string().min(1),
      kind: z.enum(['policy', 'budget']).default('policy'),
      taskId: z.string().nullable(),
      question: z.string(),
      since: isoDate,
      answer: z.enum(['approved', 'denied']).nullable(),
    });

export const workerSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  type: z.string().regex(WORKER_TYPE_PATTERN),
  project: z.string().min(1),
  env: z.record(z.string(), z.string()),
  secretEnv: z.array(z.string()),
  state: z.enum(WORKER_STATES),
  paneId: z.string().nullable(),
  windowId: z.string().nullable(),
  restarts: z.number().int().nonnegative(),
  restartHistory: z.array(z.number()),
  lastError: z.string().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  // Added with the agent workers; defaults read older state files.
  mode: z.enum(WORKER_MODES).default('one-shot'),
  role: z.string().min(1).default('default'),
  policy: workerPolicySchema.nullable().default(null),
  model: z.string().nullable().default(null),
  pendingApproval: pendingApprovalSchema.nullable().default(null),
  queuedApprovals: z.array(pendingApprovalSchema).default([]),
  agentSessionId: z.string().nullable().default(null),
  agentSessionStarted: z.boolean().default(false),
  agentCondition: z.enum(AGENT_CONDITIONS).nullable().default(null),
  conditionUntil: isoDate.nullable().default(null),
}) satisfies z.ZodType<Worker, unknown>;

const agentResultSchema = z.object({
  text: z.string().nullable(),
  sessionId: z.string().nullable(),
  costUsd: z.number().nullable(),
  isError: z.boolean().nullable(),
  resetsAt: z.string().nullable(),
});

export const taskSchema = z.object({
  id: z.string().min(1),
  workerId: z.string().min(1),
  workerName: z.string().min(1),
  command: z.string(),
  priority: z.enum(TASK_PRIORITIES),
  timeoutMs: z.number().int().positive().nullable(),
  maxRetries: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  createdAt: isoDate,
  status: z.enum(TASK_STATUSES),
  attempts: z.number().int().nonnegative(),
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  exitCode: z.number().int().nullable(),
  logOffset: z.number().int().nonnegative().nullable(),
  reason: z.string().nullable(),
  prompt: z.string().nullable().default(null),
  agent: agentResultSchema.nullable().default(null),
  secretInMemory: z.boolean().optional(),
  tag: z.string().optional(),
}) satisfies z.ZodType<Task, unknown>;

export const stateSchema = z.object({
  version: z.literal(STATE_VERSION),
  session: z.string().min(1),
  nextSeq: z.number().int().nonnegative(),
  workers: z.array(workerSchema),
  tasks: z.array(taskSchema),
});

export interface FleetState {
  readonly version: typeof STATE_VERSION;
  readonly session: string;
  readonly nextSeq: number;
  readonly workers: readonly Worker[];
  readonly tasks: readonly Task[];
}

// Validates untrusted JSON as a FleetState.
export function parseState(json: unknown): { success: true; data: FleetState } | { success: false; error: z.ZodError } {
  return stateSchema.safeParse(json);
}

export function emptyState(session: string): FleetState {
  return { version: STATE_VERSION, session, nextSeq: 0, workers: [], tasks: [] };
}
