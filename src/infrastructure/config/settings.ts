// Settings, highest precedence first: command-line flags, environment (TMUXORCH_*), the user's
// config file ($TMUXORCH_HOME/config.json, edited with `tmuxorch config`), built-in defaults.
import { readFile } from 'node:fs/promises';
import { ConfigError, UsageError } from '../../domain/errors.js';
import type { ProfileOverride } from '../../domain/agents/registry.js';
import type { RoleDefinition } from '../../domain/policy/role.js';
import { budgetLimits, type BudgetConfig, type BudgetLimits } from '../../domain/budget/budget-limits.js';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../../domain/restart-policy.js';
import { defaultHome, homePaths, type HomePaths } from './paths.js';
import type { TmuxSocket } from '../tmux/transport.js';

export const DEFAULT_SESSION = 'agent-system';

// What a user may put in config.json (the schema lives in user-config.ts, loaded on demand).
export interface UserConfig {
  readonly healthIntervalMs?: number | undefined;
  readonly defaultTimeoutMs?: number | null | undefined;
  readonly maxWorkers?: number | undefined;
  readonly tmuxTimeoutMs?: number | undefined;
  readonly keepFinishedTasks?: number | undefined;
  readonly maxLogBytes?: number | undefined;
  readonly restart?: { readonly [K in keyof RestartPolicy]?: RestartPolicy[K] | undefined } | undefined;
  // Agent profiles added or overridden by the user (validated in user-config.ts).
  readonly agents?: Readonly<Record<string, ProfileOverride>> | undefined;
  // Roles added or overridden (validated in user-config.ts), and paths no role may edit.
  readonly roles?: Readonly<Record<string, RoleDefinition>> | undefined;
  readonly protectedPaths?: readonly string[] | undefined;
  readonly http?: UserHttpConfig | undefined;
  readonly queue?:
    { readonly maxConcurrent?: number | undefined; readonly perProject?: number | undefined } | undefined;
  readonly budget?: BudgetConfig | undefined;
  readonly retention?:
    { readonly [K in keyof RetentionSettings]?: RetentionSettings[K] | undefined } | undefined;
}

// What retention removes, and how often the daemon looks (application/retention/).
export interface RetentionSettings {
  // Finished runs, workflow runs, task outputs, queue jobs and rotated logs older than this go.
  readonly maxAgeDays: number | null;
  // At most this many finished workflow runs, and `tmuxorch run` reports, are kept.
  readonly keepRuns: number | null;
  // All of it together at most this many bytes: the oldest finished things go first.
  readonly maxBytes: number | null;
  // Logs of removed workers go this long after their last write.
  readonly workerLogDays: number;
  // How often the daemon prunes (null: only `tmuxorch prune`).
  readonly intervalMs: number | null;
}

export interface QueueSettings {
  readonly maxConcurrent: number;
  readonly perProject: number;
}

// The HTTP API as config.json sets it (`tmuxorch start --http` overrides host and port).
export interface UserHttpConfig {
  readonly host?: string | undefined;
  readonly port: number;
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  readonly insecureBind?: boolean | undefined;
  readonly rateLimit?: { readonly max: number; readonly windowMs: number } | undefined;
  readonly authFailureLimit?: { readonly max: number; readonly windowMs: number } | undefined;
}

// The HTTP API the daemon serves (null: none).
export interface HttpSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly cert: string; readonly key: string } | null;
  readonly insecureBind: boolean;
  readonly rateLimit: { readonly max: number; readonly windowMs: number } | null;
  readonly authFailureLimit: { readonly max: number; readonly windowMs: number } | null;
}

export const DEFAULT_HTTP_HOST = '127.0.0.1';

export interface Settings {
  readonly home: string;
  readonly paths: HomePaths;
  readonly session: string;
  readonly socket: TmuxSocket;
  readonly healthIntervalMs: number;
  readonly defaultTimeoutMs: number | null;
  readonly maxWorkers: number;
  readonly tmuxTimeoutMs: number;
  readonly keepFinishedTasks: number;
  readonly maxLogBytes: number;
  readonly restart: typeof DEFAULT_RESTART_POLICY;
  readonly agents: Readonly<Record<string, ProfileOverride>>;
  readonly roles: Readonly<Record<string, RoleDefinition>>;
  readonly protectedPaths: readonly string[];
  readonly queue: QueueSettings;
  readonly http: HttpSettings | null;
  // Daily limits on agent cost and calls (none by default); the daemon re-reads them from
  // config.json when it changes (infrastructure/budget/budget-config.ts).
  readonly budget: BudgetLimits;
  readonly retention: RetentionSettings;
}

export interface SettingsOverrides {
  readonly home?: string | undefined;
  readonly socket?: string | undefined;
  readonly session?: string | undefined;
}

const DEFAULTS = {
  healthIntervalMs: 2_000,
  defaultTimeoutMs: null,
  maxWorkers: 64,
  tmuxTimeoutMs: 5_000,
  keepFinishedTasks: 1_000,
  maxLogBytes: 64 * 1024 * 1024,
  // Queue jobs running at once: workflow runs open windows, so a few, not the fleet's maxWorkers.
  queue: { maxConcurrent: 8, perProject: 4 },
  // Deleting a user's runs and outputs unasked is a strong choice: the age, count and size rules
  // are off until configured. What was pruned before retention existed still is, on the same
  // hourly schedule (removed workers' logs after 7 days; `tmuxorch run` keeps its newest 50
  // reports itself); the one addition is what nothing can show any more, a task's files a day
  // after the state dropped the task (retention-candidates.ts).
  retention: { maxAgeDays: null, keepRuns: null, maxBytes: null, workerLogDays: 7, intervalMs: 3_600_000 },
} as const;

const SESSION_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

// Reads config.json; absent is {}, malformed is CONFIG_INVALID naming the field at fault.
export async function readUserConfig(paths: HomePaths): Promise<UserConfig> {
  let text: string;
  try {
    text = await readFile(paths.configFile, 'utf8');
  } catch {
    return {};
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${paths.configFile} is not valid JSON: fix or delete it`,
      { file: paths.configFile },
      { cause: error },
    );
  }
  const { validateUserConfig } = await import('./user-config.js');
  return validateUserConfig(paths, raw);
}

// `--home ''` would quietly be the default home, `--socket ''` the user's own tmux server (whose
// sessions tmuxorch must not touch unasked): an empty value given on purpose is refused.
function checkOverrides(overrides: SettingsOverrides): void {
  if (overrides.home !== undefined && overrides.home.trim() === '')
    throw new UsageError('--home needs a directory (got an empty value)', {});
  if (overrides.socket !== undefined && overrides.socket.trim() === '')
    throw new UsageError('--socket needs a tmux socket name (got an empty value)', {});
}

// Resolves settings, reading the home's config.json.
export async function loadSettings(
  overrides: SettingsOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<Settings> {
  checkOverrides(overrides);
  const home = overrides.home ? overrides.home : defaultHome(env);
  return resolveSettings(overrides, env, await readUserConfig(homePaths(home, env)));
}

// Resolves settings from flags, environment and an already read user config.
export function resolveSettings(
  overrides: SettingsOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
  user: UserConfig = {},
): Settings {
  checkOverrides(overrides);
  const home = overrides.home ? overrides.home : defaultHome(env);
  const paths = homePaths(home, env);
  const session = overrides.session ?? env.TMUXORCH_SESSION ?? DEFAULT_SESSION;
  if (!SESSION_NAME.test(session)) {
    throw new ConfigError(`session name "${session}" is not allowed: use letters, digits, '.', '_' or '-'`, {
      session,
    });
  }
  const socketName = overrides.socket ?? env.TMUXORCH_SOCKET ?? undefined;
  const socket: TmuxSocket = {
    ...(socketName ? { name: socketName } : {}),
    ...(env.TMUXORCH_TMUX_CONF ? { configFile: env.TMUXORCH_TMUX_CONF } : {}),
  };
  return {
    home: paths.home,
    paths,
    session,
    socket,
    healthIntervalMs: user.healthIntervalMs ?? DEFAULTS.healthIntervalMs,
    defaultTimeoutMs: user.defaultTimeoutMs === undefined ? DEFAULTS.defaultTimeoutMs : user.defaultTimeoutMs,
    maxWorkers: user.maxWorkers ?? DEFAULTS.maxWorkers,
    tmuxTimeoutMs: user.tmuxTimeoutMs ?? DEFAULTS.tmuxTimeoutMs,
    keepFinishedTasks: user.keepFinishedTasks ?? DEFAULTS.keepFinishedTasks,
    maxLogBytes: user.maxLogBytes ?? DEFAULTS.maxLogBytes,
    restart: { ...DEFAULT_RESTART_POLICY, ...stripUndefined(user.restart ?? {}) },
    agents: user.agents ?? {},
    roles: user.roles ?? {},
    protectedPaths: user.protectedPaths ?? [],
    queue: { ...DEFAULTS.queue, ...stripUndefined(user.queue ?? {}) },
    http: user.http ? httpSettings(user.http) : null,
    budget: budgetLimits(user.budget),
    retention: { ...DEFAULTS.retention, ...stripUndefined(user.retention ?? {}) },
  };
}

function httpSettings(user: UserHttpConfig): HttpSettings {
  return {
    host: user.host ?? DEFAULT_HTTP_HOST,
    port: user.port,
    tls: user.tls ?? null,
    insecureBind: user.insecureBind ?? false,
    rateLimit: user.rateLimit ?? null,
    authFailureLimit: user.authFailureLimit ?? null,
  };
}

// `--http [HOST:]PORT` (`8080`, `127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:0`): host and port.
export function parseHttpListen(text: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65_535)
    throw new UsageError(`--http takes [HOST:]PORT such as 127.0.0.1:8080 or 8080 (got "${text}")`, {
      http: text,
    });
  const host = match[1]?.replace(/^\[(.*)\]$/, '$1') ?? DEFAULT_HTTP_HOST;
  return { host, port };
}

// The settings with the HTTP API that `start --http` asked for (config.json's tls and limits kept).
export function withHttpListen(
  settings: Settings,
  listen: { readonly host: string; readonly port: number },
  insecureBind: boolean,
): Settings {
  const base = settings.http ?? { tls: null, insecureBind: false, rateLimit: null, authFailureLimit: null };
  return {
    ...settings,
    http: { ...base, host: listen.host, port: listen.port, insecureBind: insecureBind || base.insecureBind },
  };
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]-?: Exclude<T[K], undefined>;
  };
}
