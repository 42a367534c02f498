// Parsing of flag values; each failure is a USAGE error naming the flag.
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { UsageError } from '../../domain/errors.js';
import { TASK_PRIORITIES, type TaskPriority } from '../../domain/task.js';
import { WORKER_TYPES, WORKER_TYPE_PATTERN, type WorkerType } from '../../domain/worker.js';

// The daemon knows the types config.json adds; here only the shape is checked.
export function parseWorkerType(value: string): WorkerType {
  if (WORKER_TYPE_PATTERN.test(value)) return value;
  throw new UsageError(
    `--type must be one of ${WORKER_TYPES.join(', ')} or a type from config.json (got "${value}")`,
    {
      type: value,
    },
  );
}

export function parsePriority(value: string): TaskPriority {
  if ((TASK_PRIORITIES as readonly string[]).includes(value)) return value as TaskPriority;
  throw new UsageError(`--priority must be one of ${TASK_PRIORITIES.join(', ')} (got "${value}")`, {
    priority: value,
  });
}

const MAX_TIMER_MS = 2 ** 31 - 1;

// `90`, `90s`, `1500ms`, `2m`, `1h` → milliseconds.
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match)
    throw new UsageError(`${flag} takes a duration such as 30s, 1500ms or 5m (got "${value}")`, { value });
  const amount = Number(match[1]);
  const unit = match[2] ?? 's';
  // Whole milliseconds: what is left after rounding must still be more than zero.
  const ms = Math.round(amount * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h']);
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`${flag} must be more than zero`, { value });
  // Node's timers hold 2^31-1 ms (24.8 days); a longer one would fire at once.
  if (ms > MAX_TIMER_MS) throw new UsageError(`${flag} must be at most 24 days`, { value });
  return ms;
}

// Number('') and Number(' ') are 0: only digits count as a number here.
export function parseCount(value: string, flag: string, max = 1000): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`${flag} takes a whole number from 0 to ${max}`, { value });
  return n;
}

export const ENV_VALUE_BREAK = /[\r\n\0]/;

// A flag given an empty value: `--name ''` is a mistake, not "the default".
export function nonEmpty(value: string, flag: string, what: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} needs ${what} (got an empty value)`, {});
  return value;
}

// A project directory as given (relative to here, `~` for the home) made absolute: the daemon
// runs elsewhere and takes absolute paths only.
// (`~` by hand, as job-spec's expandHome does: importing that module would load the worker
// launcher into every CLI call.)
export function parseProject(value: string, flag = '--project', cwd = process.cwd()): string {
  const path = nonEmpty(value, flag, 'a directory');
  return resolve(cwd, path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path);
}

// `KEY=VALUE` pairs (repeatable); a bare `KEY` takes the value from this environment.
export function parseEnvPairs(
  pairs: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new UsageError(`--env takes KEY=VALUE (bad name "${key}")`, { key });
    const value = eq < 0 ? env[key] : pair.slice(eq + 1);
    if (value === undefined)
      throw new UsageError(`--env ${key}: ${key} is not set in this environment`, { key });
    // A worker's environment reaches its pane through tmux, which takes no line break in a value.
    if (ENV_VALUE_BREAK.test(value))
      throw new UsageError(
        `--env ${key}: a value cannot hold a line break (keep it in a file the command reads)`,
        { key },
      );
    out[key] = value;
  }
  return out;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
