// A worker's policy: the role it holds and where it holds it. Kept with the worker (state.json),
// so its rules stay what they were when it started, whatever config.json says later, and every
// layer (the command check, the agent's tool hook, the git hooks) reads the same rules.
import { z } from 'zod';
import type { Role } from './role.js';
import { EFFECTS, POLICY_ACTIONS } from './rule.js';

// Who answers an `ask`: a person (`tmuxorch approve W`, `flow approve`), or nobody (a workflow
// in auto mode): denied, or allowed where the workflow says `policy.auto_asks: allow`.
export const ASK_ANSWERERS = ['person', 'deny', 'allow'] as const;
export type AskAnswerer = (typeof ASK_ANSWERERS)[number];

export interface WorkerPolicy {
  readonly role: Role;
  // Relative paths in the rules are read against it (the worker's project or step worktree).
  readonly workspace: string;
  readonly stepDir: string | null;
  readonly asks: AskAnswerer;
  // The workflow run whose audit.jsonl records the decisions (null: a plain worker).
  readonly runId: string | null;
  readonly stepId: string | null;
}

export const roleSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  agent: z.string().nullable(),
  rules: z
    .array(
      z.object({ action: z.enum(POLICY_ACTIONS), pattern: z.string(), effect: z.enum(EFFECTS) }).readonly(),
    )
    .readonly(),
  protectedPaths: z.array(z.string()).readonly(),
  sandbox: z.boolean(),
}) satisfies z.ZodType<Role, unknown>;

export const workerPolicySchema = z.object({
  role: roleSchema,
  workspace: z.string().min(1),
  stepDir: z.string().nullable(),
  asks: z.enum(ASK_ANSWERERS),
  runId: z.string().nullable(),
  stepId: z.string().nullable(),
}) satisfies z.ZodType<WorkerPolicy, unknown>;
