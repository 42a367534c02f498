// Settings, highest precedence first: command-line flags, environment (TMUXORCH_*), the user's
// config file ($TMUXORCH_HOME/config.json, kept by conf), built-in defaults. Validated with zod.
import Conf from 'conf';
import { z } from 'zod';
import { ConfigError } from '../../domain/errors.js';
import { DEFAULT_RESTART_POLICY } from '../../domain/restart-policy.js';
import { defaultHome, homePaths, type HomePaths } from './paths.js';
import type { TmuxSocket } from '../tmux/transport.js';

export const DEFAULT_SESSION = 'agent-system';

// What a user may put in config.json.
export const userConfigSchema = z
  .object({
    healthIntervalMs: z.number().int().min(100).max(3_600_000),
    defaultTimeoutMs: z.number().int().positive().nullable(),
    maxWorkers: z.number().int().min(1).max(1000),
    tmuxTimeoutMs: z.number().int().min(50).max(120_000),
    keepFinishedTasks: z.number().int().min(10).max(100_000),
    restart: z
      .object({
        maxRestarts: z.number().int().min(0),
        windowMs: z.number().int().positive(),
        baseDelayMs: z.number().int().nonnegative(),
        maxDelayMs: z.number().int().nonnegative(),
        factor: z.number().min(1),
      })
      .partial(),
  })
  .partial()
  .strict();
export type UserConfig = z.infer<typeof userConfigSchema>;

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
  readonly restart: typeof DEFAULT_RESTART_POLICY;
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
} as const;

const SESSION_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

// Reads config.json through conf; a malformed file is CONFIG_INVALID with the field at fault.
export function readUserConfig(paths: HomePaths): UserConfig {
  let raw: unknown;
  try {
    const conf = new Conf<Record<string, unknown>>({
      cwd: paths.home,
      configName: 'config',
      projectName: 'tmuxorch',
    });
    raw = conf.store;
  } catch (error) {
    throw new ConfigError(
      `${paths.configFile} is not valid JSON: fix or delete it`,
      { file: paths.configFile },
      { cause: error },
    );
  }
  const parsed = userConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || 'top level';
    throw new ConfigError(`${paths.configFile} is invalid at ${where}: ${issue?.message ?? 'bad value'}`, {
      file: paths.configFile,
    });
  }
  return parsed.data;
}

export function resolveSettings(
  overrides: SettingsOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const home = overrides.home ? overrides.home : defaultHome(env);
  const paths = homePaths(home);
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
  const user = readUserConfig(paths);
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
    restart: { ...DEFAULT_RESTART_POLICY, ...stripUndefined(user.restart ?? {}) },
  };
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]-?: Exclude<T[K], undefined>;
  };
}
