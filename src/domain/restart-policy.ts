// When to revive a dead worker, as a pure function (in the spirit of pm2's exponential backoff and
// systemd's StartLimitBurst/StartLimitIntervalSec):
//
//   restarts in the last windowMs < maxRestarts  → restart after min(maxDelayMs, baseDelayMs · factor^n)
//   otherwise                                    → give up: the worker becomes `failed` (no crash loop)
//
// n is the number of automatic restarts inside the window, so a quiet window resets the backoff.
// Time is injected (`now`, epoch ms): no clocks here.

export interface RestartPolicy {
  // Automatic restarts allowed within windowMs before giving up (0 disables them).
  maxRestarts: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

// 5 restarts per 2 minutes, waiting 0.5 s, 1 s, 2 s, 4 s, 8 s (at most 30 s).
export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  maxRestarts: 5,
  windowMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
});

export type RestartDecision =
  { action: 'restart'; delayMs: number; attempt: number } | { action: 'give_up'; reason: string };

// Stands for the worker's name in a give-up reason; callers may replace it.
export const WORKER_PLACEHOLDER = '<worker>';

// Throws RangeError unless every number of the policy is usable.
export function validateRestartPolicy(policy: RestartPolicy): void {
  for (const [name, value] of Object.entries(policy) as [keyof RestartPolicy, number][]) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new RangeError(`restart policy ${name} must be a number >= 0, got ${String(value)}`);
    }
  }
  if (!Number.isInteger(policy.maxRestarts) && policy.maxRestarts !== Infinity) {
    throw new RangeError(`restart policy maxRestarts must be an integer, got ${policy.maxRestarts}`);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs', 'factor'] as const) {
    if (!Number.isFinite(policy[name])) throw new RangeError(`restart policy ${name} must be finite`);
  }
}

function inWindow(at: number, now: number, policy: RestartPolicy): boolean {
  // Entries from the future (clock stepped back) count as recent: they never shorten the backoff.
  return now - at < policy.windowMs;
}

// The restarts that still count: those less than windowMs before `now`.
export function pruneHistory(history: readonly number[], now: number, policy: RestartPolicy): number[] {
  validateRestartPolicy(policy);
  return history.filter((at) => Number.isFinite(at) && inWindow(at, now, policy));
}

function formatWindow(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

// Whether to restart now (after delayMs) or give up; `history` holds epoch ms of earlier
// automatic restarts (a manual `revive` clears it). The reason names no worker: callers prefix it.
export function decideRestart(
  history: readonly number[],
  now: number,
  policy: RestartPolicy,
): RestartDecision {
  const recent = pruneHistory(history, now, policy).length;
  if (recent >= policy.maxRestarts) {
    const what =
      policy.maxRestarts === 0
        ? 'automatic restarts are disabled (maxRestarts is 0)'
        : `restarted ${recent} times within ${formatWindow(policy.windowMs)}`;
    return {
      action: 'give_up',
      reason: `${what}; giving up (run tmuxorch revive ${WORKER_PLACEHOLDER} to try again)`,
    };
  }
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** recent);
  return { action: 'restart', delayMs: Math.round(delayMs), attempt: recent + 1 };
}
