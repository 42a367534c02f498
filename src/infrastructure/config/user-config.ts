// The user's defaults in $TMUXORCH_HOME/config.json: the zod schema, and conf for safe edits
// (`tmuxorch config set`). Loaded only when a config file exists or is being edited, so the
// common path of every CLI call pays for neither.
import Conf from 'conf';
import { z } from 'zod';
import { HOOK_KINDS, OUTPUT_FORMATS, SCREEN_STATES } from '../../domain/agents/profile.js';
import { ConfigError } from '../../domain/errors.js';
import { WORKER_TYPE_PATTERN } from '../../domain/worker.js';
import { ROLE_NAME_PATTERN, roleDefinitionSchema } from '../../domain/policy/role.js';
import type { HomePaths } from './paths.js';

const regexSource = z.string().refine((source) => {
  try {
    new RegExp(source, 'm');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');
const argvSchema = z.array(z.string());

// One agent profile entry: the fields of a built-in profile (domain/agents/profile.ts), each optional.
const profileOverrideSchema = z
  .object({
    displayName: z.string().min(1),
    binary: z.string().min(1).nullable(),
    versionArgs: argvSchema,
    verifiedVersions: z
      .object({ min: z.string().regex(/^\d+\.\d+\.\d+$/), max: z.string().regex(/^\d+\.\d+\.\d+$/) })
      .strict()
      .nullable(),
    authCheck: z.string().nullable(),
    authHint: z.string(),
    installHint: z.string(),
    oneShot: z
      .object({
        argv: argvSchema.min(1),
        resumeArgv: argvSchema.min(1).nullable(),
        newSession: argvSchema.nullable(),
        output: z.enum(OUTPUT_FORMATS),
      })
      .strict()
      .nullable(),
    interactive: z
      .object({
        argv: argvSchema.min(1),
        resumeArgv: argvSchema.min(1).nullable(),
        submitDelayMs: z.number().int().min(0).max(5_000),
        approveKeys: argvSchema,
        denyKeys: argvSchema,
        interruptKeys: argvSchema,
        clearKeys: argvSchema.nullable(),
        trustKeys: argvSchema.nullable(),
        trustPattern: regexSource.nullable(),
        hooks: z.enum(HOOK_KINDS).nullable(),
        unsetEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/)).optional(),
      })
      .strict()
      .nullable(),
    screens: z.partialRecord(z.enum(SCREEN_STATES), z.array(regexSource)),
    exitCodes: z.record(z.string().regex(/^\d{1,3}$/), z.enum(['auth_required', 'trust_prompt'])),
    roleArgs: z.record(
      z.string().regex(ROLE_NAME_PATTERN, 'a role name is lower-case letters, digits, - or _'),
      argvSchema,
    ),
    modelArgs: argvSchema,
    env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)),
    fixedEnv: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()),
  })
  .partial()
  .strict();

// Strict like the rest: a misspelt key (restart.maxRestart) must not be dropped without a word.
const restartSchema = z
  .object({
    maxRestarts: z.number().int().min(0),
    windowMs: z.number().int().positive(),
    baseDelayMs: z.number().int().nonnegative(),
    maxDelayMs: z.number().int().nonnegative(),
    factor: z.number().min(1),
  })
  .partial()
  .strict();

const rateLimitSchema = z
  .object({ max: z.number().int().min(1), windowMs: z.number().int().min(100).max(3_600_000) })
  .strict();

// Daily budgets (domain/budget/budget-limits.ts).
function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const limitSchema = z
  .object({
    costUsd: z.number().nonnegative(),
    agentCalls: z.number().int().nonnegative(),
  })
  .partial()
  .strict();

const budgetConfigSchema = z
  .object({
    daily: limitSchema,
    perProject: limitSchema,
    // glob → limit, as token create --projects takes globs.
    projects: z.record(z.string().min(1), limitSchema),
    timeZone: z.string().refine(validZone, 'is not a time zone (e.g. UTC or Europe/Paris)'),
  })
  .partial()
  .strict();

// The HTTP API (controller/http): where it listens, TLS, the rate limit per token and address.
const httpSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65_535),
    tls: z
      .object({ cert: z.string().min(1), key: z.string().min(1) })
      .strict()
      .optional(),
    insecureBind: z.boolean().optional(),
    rateLimit: rateLimitSchema.optional(),
    // Requests with a wrong token, per client address.
    authFailureLimit: rateLimitSchema.optional(),
  })
  .strict();

// Retention (application/retention/): what finished things the daemon's schedule and `tmuxorch
// prune` remove. Every rule is off until set (null), but removed workers' logs (7 days).
const retentionSchema = z
  .object({
    maxAgeDays: z.number().min(0).max(36_500).nullable(),
    keepRuns: z.number().int().min(0).max(1_000_000).nullable(),
    maxBytes: z.number().int().min(1).nullable(),
    workerLogDays: z.number().min(0).max(36_500),
    intervalMs: z
      .number()
      .int()
      .min(60_000)
      .max(7 * 86_400_000)
      .nullable(),
  })
  .partial()
  .strict();

export const userConfigSchema = z
  .object({
    healthIntervalMs: z.number().int().min(100).max(3_600_000),
    defaultTimeoutMs: z.number().int().positive().nullable(),
    maxWorkers: z.number().int().min(1).max(1000),
    tmuxTimeoutMs: z.number().int().min(50).max(120_000),
    keepFinishedTasks: z.number().int().min(10).max(100_000),
    maxLogBytes: z.number().int().min(4096),
    restart: restartSchema,
    agents: z.record(
      z.string().regex(WORKER_TYPE_PATTERN, 'an agent type is lower-case letters, digits, - or _'),
      profileOverrideSchema,
    ),
    // Roles of this fleet: built-in ones overridden, or new ones (policy/role.ts).
    roles: z.record(
      z.string().regex(ROLE_NAME_PATTERN, 'a role name is lower-case letters, digits, - or _'),
      roleDefinitionSchema,
    ),
    // Paths no role may edit, on top of the built-in ones.
    protectedPaths: z.array(z.string().min(1)),
    // The job queue's capacity: jobs running at once, overall and per project.
    queue: z
      .object({
        maxConcurrent: z.number().int().min(1).max(10_000),
        perProject: z.number().int().min(1).max(10_000),
      })
      .partial()
      .strict(),
    http: httpSchema,
    // Daily limits on agent cost and calls, for the fleet and per project (domain/budget/).
    budget: budgetConfigSchema,
    retention: retentionSchema,
  })
  .partial()
  .strict();
export type UserConfig = z.infer<typeof userConfigSchema>;

export const USER_CONFIG_KEYS = Object.keys(userConfigSchema.shape);

function invalid(paths: HomePaths, error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  const where = issue?.path.map(String).join('.') || 'top level';
  return new ConfigError(`${paths.configFile} is invalid at ${where}: ${issue?.message ?? 'bad value'}`, {
    file: paths.configFile,
    field: where,
  });
}

// Validates the parsed content of config.json.
export function validateUserConfig(paths: HomePaths, raw: unknown): UserConfig {
  const parsed = userConfigSchema.safeParse(raw);
  if (!parsed.success) throw invalid(paths, parsed.error);
  return parsed.data;
}

function openConf(paths: HomePaths): Conf<Record<string, unknown>> {
  try {
    return new Conf<Record<string, unknown>>({
      cwd: paths.home,
      configName: 'config',
      projectName: 'tmuxorch',
    });
  } catch (error) {
    throw new ConfigError(
      `${paths.configFile} is not valid JSON: fix or delete it`,
      { file: paths.configFile },
      { cause: error },
    );
  }
}

const RESTART_KEYS = Object.keys(restartSchema.shape);
const PROFILE_KEYS = Object.keys(profileOverrideSchema.shape);
const HTTP_KEYS = Object.keys(httpSchema.shape);
const BUDGET_KEYS = Object.keys(budgetConfigSchema.shape);
const LIMIT_KEYS = ['costUsd', 'agentCalls'];
const RETENTION_KEYS = Object.keys(retentionSchema.shape);

// The parts of a dotted key, checked against the schema before anything is read or written:
// `restart.bogus` and `bogusKey` are refused by name, for set and unset alike.
function keyPath(key: string): string[] {
  const parts = key.split('.');
  const [head, sub, field] = parts;
  const unknown = (known: readonly string[], where = ''): ConfigError =>
    new ConfigError(`unknown setting "${key}": ${where}one of ${known.join(', ')}`, { key });
  if (parts.some((part) => part === '')) throw unknown(USER_CONFIG_KEYS);
  if (!head || !USER_CONFIG_KEYS.includes(head)) throw unknown(USER_CONFIG_KEYS);
  if (head === 'restart') {
    if (sub !== undefined && (!RESTART_KEYS.includes(sub) || parts.length > 2))
      throw unknown(RESTART_KEYS, 'restart.* is ');
  } else if (head === 'agents') {
    if (sub !== undefined && !WORKER_TYPE_PATTERN.test(sub))
      throw new ConfigError(`unknown setting "${key}": agents.<type> takes a worker type`, { key });
    if (field !== undefined && !PROFILE_KEYS.includes(field))
      throw unknown(PROFILE_KEYS, 'agents.<type>.* is ');
  } else if (head === 'http') {
    if (sub !== undefined && !HTTP_KEYS.includes(sub)) throw unknown(HTTP_KEYS, 'http.* is ');
  } else if (head === 'budget') {
    if (sub !== undefined && !BUDGET_KEYS.includes(sub)) throw unknown(BUDGET_KEYS, 'budget.* is ');
    // budget.daily.costUsd, budget.perProject.agentCalls; budget.projects.<glob> takes a limit.
    const limitPart = sub === 'projects' ? parts[3] : field;
    if (sub === 'timeZone' && field !== undefined) throw unknown(BUDGET_KEYS, 'budget.* is ');
    if (
      limitPart !== undefined &&
      (!LIMIT_KEYS.includes(limitPart) || parts.length > (sub === 'projects' ? 4 : 3))
    )
      throw unknown(LIMIT_KEYS, `budget.${sub === 'projects' ? 'projects.<glob>' : (sub ?? '')}.* is `);
  } else if (head === 'retention') {
    if (sub !== undefined && (!RETENTION_KEYS.includes(sub) || parts.length > 2))
      throw unknown(RETENTION_KEYS, 'retention.* is ');
  } else if (sub !== undefined) {
    throw new ConfigError(`unknown setting "${key}": ${head} has no parts`, { key });
  }
  return parts;
}

// `store` with `value` at `path` (as conf's dotted set does), without changing `store`.
function withValue(
  store: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const next = structuredClone(store);
  let node: Record<string, unknown> = next;
  for (const part of path.slice(0, -1)) {
    const child = node[part];
    node = node[part] =
      child && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  }
  node[path[path.length - 1] ?? ''] = value;
  return next;
}

// Sets one key (dotted for restart.* and agents.*); the whole result is validated before conf
// writes it.
export function setUserConfig(paths: HomePaths, key: string, value: unknown): UserConfig {
  const path = keyPath(key);
  const conf = openConf(paths);
  const valid = validateUserConfig(paths, withValue(conf.store, path, value));
  conf.set(key, value);
  return valid;
}

export function unsetUserConfig(paths: HomePaths, key: string): UserConfig {
  keyPath(key);
  const conf = openConf(paths);
  conf.delete(key);
  return validateUserConfig(paths, conf.store);
}
