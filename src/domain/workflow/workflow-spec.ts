// The workflow file, `schema_version: 1`: its shape as a zod schema (strict: an unknown key is an
// error) and the normalized types the engine runs. The vocabulary is GitHub Actions' where it fits
// (`needs`, `if`, `matrix`, `max-parallel`, `timeout`, `env`, `inputs`). `tmuxorch flow schema`
// prints this as JSON Schema for editors.
//
//   schema_version: 1
//   name: fix-bugs
//   inputs:   { issue: { type: string, required: true } }
//   roles:    { planner: { agent: claude, preset: planner, edits: false },
//               coder: { agent: claude, model: sonnet, edits: true },
//               reviewer: { agent: codex, preset: reviewer, edits: false } }
//   limits:   { wall_time: 30m, cost_usd: 5, agent_turns: 40 }
//   steps:
//     plan:      { role: planner, prompt: "Plan ${{ inputs.issue }}", outputs: { plan: plan.md } }
//     implement: { role: coder, needs: plan, prompt: "Do ${{ steps.plan.outputs.plan.text }}" }
//     test:      { run: npm test, needs: implement, workspace: { of: implement },
//                  on_failure: { handback: implement } }
//     fix:       { loop: { steps: [implement, test], until: "steps.test.status == 'succeeded'",
//                  max_iterations: 3 }, needs: plan }
//     review:    { role: reviewer, needs: fix, prompt: "Review ${{ steps.implement.summary }}",
//                  outputs: { review: { path: review.json, schema: { type: object } } } }
//     approve:   { gate: { message: "Merge?", show: [steps.review.outputs.review] }, needs: review }
//     merge:     { merge: { steps: [implement], verify: npm test }, needs: approve }
//
// (test/unit/workflow-json-schema.test.ts checks that this example is valid.)
import { z } from 'zod';
import { ROLE_NAME_PATTERN } from '../policy/role.js';
import { ruleInputSchema } from '../policy/rule.js';
import { WORKER_TYPE_PATTERN } from '../worker.js';

// Step ids and input names: what a template path segment and a worker name can hold.
export const STEP_ID_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
export const INPUT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// `30s`, `5m`, `1h`, `1500ms`, or a number of seconds; normalized to milliseconds.
const DURATION = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h|d)\s*$/;
const DURATION_MESSAGE = 'must be a duration such as 30s, 5m, 1h or 1500ms';
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const durationSchema = z
  // The pattern is checked here too so that the JSON Schema an editor uses knows it.
  .union([z.number().positive(), z.string().regex(DURATION, DURATION_MESSAGE)], { error: DURATION_MESSAGE })
  .transform((value, ctx) => {
    if (typeof value === 'number') return Math.round(value * 1000);
    const match = DURATION.exec(value);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: DURATION_MESSAGE });
      return z.NEVER;
    }
    const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1_000));
    // `0s` (or `0.1ms`) would time out at once: refused as a number of seconds <= 0 is.
    if (ms <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be more than zero' });
      return z.NEVER;
    }
    return ms;
  });

const stepId = z.string().regex(STEP_ID_PATTERN, 'must be a step id: lower-case letters, digits, - or _');
const stepIds = z
  .union([stepId, z.array(stepId)], { error: 'must be a step id or a list of step ids' })
  .transform((v) => (typeof v === 'string' ? [v] : v));
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const envSchema = z.record(z.string().regex(ENV_NAME, 'must be a variable name'), scalar.transform(String));
// A template: text with `${{ expression }}` parts (template.ts), checked against what exists.
const template = z.string().min(1, 'must not be empty');

export const INPUT_TYPES = ['string', 'number', 'boolean', 'array'] as const;
export const inputSpecSchema = z
  .object({
    type: z.enum(INPUT_TYPES).default('string'),
    description: z.string().optional(),
    required: z.boolean().default(false),
    default: z
      .union([scalar, z.array(scalar)], { error: 'must be a string, number, boolean or a list of them' })
      .optional(),
  })
  .strict();

export const roleSpecSchema = z
  .object({
    // An agent type (claude, codex, gemini, opencode, sim…) or `shell`.
    agent: z.string().regex(WORKER_TYPE_PATTERN, 'must be an agent type such as claude or sim'),
    model: z.string().min(1).optional(),
    // The role its rules start from (built-in or config.json's): by default the role of the same
    // name, if there is one. `preset` is its earlier name (`implementer` is now `coder`;
    // `default`: no rules at all).
    extends: z.string().regex(ROLE_NAME_PATTERN, 'must be a role name').optional(),
    preset: z.string().regex(ROLE_NAME_PATTERN, 'must be a role name').optional(),
    description: z.string().optional(),
    // Rules appended to (or with replace_rules, replacing) the ones it starts from.
    rules: z.array(ruleInputSchema).default([]),
    replace_rules: z.boolean().default(false),
    protected_paths: z.array(z.string().min(1)).default([]),
    // Its agent runs under bubblewrap (the workspace writable, no network unless `net` allows).
    sandbox: z.boolean().optional(),
    // Whether its steps change files: an editing step gets a worktree of its own (a step with
    // rules gets one in any case, so what it changed can be audited and kept apart).
    edits: z.boolean().default(true),
    // A TUI in its window (true) or one headless run per task (false).
    interactive: z.boolean().default(false),
  })
  .strict();

const outputSchema = z.union(
  [
    z
      .string()
      .min(1)
      .transform((path) => ({ path, schema: undefined as Record<string, unknown> | undefined })),
    z
      .object({
        path: z.string().min(1),
        // A JSON Schema the file (JSON) must satisfy.
        schema: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
  ],
  { error: 'must be a path or { path, schema }' },
);

export const FAILURE_ACTIONS = ['fail', 'continue', 'ask_human'] as const;
export type FailureAction = (typeof FAILURE_ACTIONS)[number];
const onFailureSchema = z.union(
  [
    z.enum(FAILURE_ACTIONS).transform((then) => ({ retry: 0, handback: undefined, then })),
    z
      .object({
        retry: z.number().int().min(0).max(20).default(0),
        // The failing output goes back to that step (same conversation), then the steps after it run again.
        handback: stepId.optional(),
        then: z.enum(FAILURE_ACTIONS).default('fail'),
      })
      .strict(),
  ],
  { error: 'must be fail, continue, ask_human or { retry, handback, then }' },
);

export const JOIN_RULES = ['all_succeeded', 'any_succeeded', 'all_done'] as const;
export type JoinRule = (typeof JOIN_RULES)[number];

const workspaceSchema = z.union(
  [z.enum(['worktree', 'project', 'copy']), z.object({ of: stepId }).strict()],
  {
    error: 'must be worktree, project, copy or { of: STEP }',
  },
);

const commonFields = {
  name: z.string().optional(),
  needs: stepIds.default([]),
  if: z.string().min(1).optional(),
  join: z.enum(JOIN_RULES).default('all_succeeded'),
  timeout: durationSchema.optional(),
  env: envSchema.default({}),
  outputs: z.record(z.string().regex(INPUT_NAME_PATTERN, 'must be an output name'), outputSchema).default({}),
  on_failure: onFailureSchema.default({ retry: 0, then: 'fail' }),
  workspace: workspaceSchema.optional(),
  // The prompt (or command) for a run after a handback or in a later loop iteration; it can read
  // failure.step and failure.output (default: the failure's output and "fix the cause").
  rework: template.optional(),
  // Fan-out: one instance per value (or per combination); a string is an expression naming a list.
  matrix: z
    .union(
      [z.record(z.string().regex(INPUT_NAME_PATTERN, 'must be a matrix key'), z.array(scalar)), z.string()],
      {
        error: 'must be a map of lists ({ os: [linux, mac] }) or an expression naming a list',
      },
    )
    .optional(),
  'max-parallel': z.number().int().min(1).max(64).optional(),
};

export const agentStepSchema = z
  .object({ ...commonFields, role: z.string().min(1), prompt: template })
  .strict();
// A shell step may hold a role too: its command is checked against the rules before it is typed.
export const shellStepSchema = z
  .object({ ...commonFields, run: template, role: z.string().min(1).optional() })
  .strict();
export const gateStepSchema = z
  .object({
    ...commonFields,
    gate: z
      .object({
        message: template.optional(),
        // What the gate asks about: output references (steps.X.outputs.Y) or step-relative paths.
        show: z.array(z.string().min(1)).default([]),
        // In auto mode only a required gate waits for a person.
        required: z.boolean().default(false),
        timeout: durationSchema.optional(),
      })
      .strict(),
  })
  .strict();
export const loopStepSchema = z
  .object({
    ...commonFields,
    loop: z
      .object({
        steps: z.array(stepId).min(1),
        until: z.string().min(1),
        max_iterations: z.number().int().min(1).max(100),
      })
      .strict(),
  })
  .strict();
export const mergeStepSchema = z
  .object({
    ...commonFields,
    merge: z
      .object({
        steps: z.array(stepId).min(1),
        // The branch moved to the result once every merge verified (default: the run's base branch).
        into: z.string().min(1).optional(),
        verify: template.optional(),
      })
      .strict(),
  })
  .strict();

// Which kind a step is, from the one key that names it.
// (Each kind's object schema is exported for the JSON Schema of the file, workflow-json-schema.ts.)
export const STEP_KINDS = ['agent', 'shell', 'gate', 'loop', 'merge'] as const;
export type StepKind = (typeof STEP_KINDS)[number];
export const KIND_KEYS: Readonly<Record<StepKind, string>> = {
  agent: 'prompt',
  shell: 'run',
  gate: 'gate',
  loop: 'loop',
  merge: 'merge',
};

export const STEP_SCHEMAS = {
  agent: agentStepSchema,
  shell: shellStepSchema,
  gate: gateStepSchema,
  loop: loopStepSchema,
  merge: mergeStepSchema,
} as const;

export const stepSpecSchema = z.unknown().transform((raw, ctx) => {
  const keys = raw !== null && typeof raw === 'object' ? Object.keys(raw) : [];
  const kinds = STEP_KINDS.filter((kind) => keys.includes(KIND_KEYS[kind]));
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        kinds.length === 0
          ? 'a step needs one of prompt (with role), run, gate, loop or merge'
          : `a step is one kind: it has ${kinds.map((k) => KIND_KEYS[k]).join(' and ')}`,
    });
    return z.NEVER;
  }
  const kind = kinds[0] as StepKind;
  const schema = STEP_SCHEMAS[kind];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // Re-raised as they are (not as `custom`), so an unknown key is still one, at its key.
    for (const issue of parsed.error.issues) ctx.addIssue(issue as unknown as z.core.$ZodSuperRefineIssue);
    return z.NEVER;
  }
  return { kind, ...parsed.data } as StepSpec;
});

export const workflowSchema = z
  .object({
    $schema: z.string().optional(),
    schema_version: z.literal(1, { error: 'must be 1 (the only version there is)' }),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a name: letters, digits, . _ -'),
    description: z.string().optional(),
    inputs: z
      .record(z.string().regex(INPUT_NAME_PATTERN, 'must be an input name'), inputSpecSchema)
      .default({}),
    roles: z.record(z.string().regex(STEP_ID_PATTERN, 'must be a role name'), roleSpecSchema).default({}),
    limits: z
      .object({
        wall_time: durationSchema.optional(),
        cost_usd: z.number().positive().optional(),
        agent_turns: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
    env: envSchema.default({}),
    policy: z
      .object({
        // In auto mode nobody answers a rule's `ask`: denied, unless this says `allow`.
        auto_asks: z.enum(['deny', 'allow']).default('deny'),
        // Paths no step of this workflow may edit, on top of the fleet's.
        protected_paths: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ auto_asks: 'deny', protected_paths: [] }),
    // A step id is what templates and worker names are made of: the key is checked as the id it is.
    steps: z
      .record(stepId, stepSpecSchema)
      .refine((steps) => Object.keys(steps).length > 0, 'must name a step'),
  })
  .strict();

type Common = z.output<z.ZodObject<typeof commonFields>>;
export type AgentStepSpec = Common & {
  readonly kind: 'agent';
  readonly role: string;
  readonly prompt: string;
};
export type ShellStepSpec = Common & {
  readonly kind: 'shell';
  readonly run: string;
  readonly role?: string | undefined;
};
export type GateStepSpec = Common & { readonly kind: 'gate' } & Pick<z.output<typeof gateStepSchema>, 'gate'>;
export type LoopStepSpec = Common & { readonly kind: 'loop' } & Pick<z.output<typeof loopStepSchema>, 'loop'>;
export type MergeStepSpec = Common & { readonly kind: 'merge' } & Pick<
    z.output<typeof mergeStepSchema>,
    'merge'
  >;
export type StepSpec = AgentStepSpec | ShellStepSpec | GateStepSpec | LoopStepSpec | MergeStepSpec;
export type RoleSpec = z.output<typeof roleSpecSchema>;
export type InputSpec = z.output<typeof inputSpecSchema>;
export type OutputSpec = { readonly path: string; readonly schema?: Record<string, unknown> | undefined };
export type WorkflowSpec = Omit<z.output<typeof workflowSchema>, 'steps'> & {
  readonly steps: Readonly<Record<string, StepSpec>>;
};
