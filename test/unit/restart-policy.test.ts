import { describe, it, expect } from 'vitest';
import {
  DEFAULT_RESTART_POLICY,
  WORKER_PLACEHOLDER,
  decideRestart,
  pruneHistory,
  validateRestartPolicy,
  type RestartPolicy,
} from '../../src/domain/restart-policy.js';

const policy: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
};
const NOW = 1_700_000_000_000;

describe('DEFAULT_RESTART_POLICY', () => {
  it('is 5 restarts per 2 minutes, 500 ms doubling up to 30 s', () => {
    expect(DEFAULT_RESTART_POLICY).toEqual(policy);
    expect(() => validateRestartPolicy(DEFAULT_RESTART_POLICY)).not.toThrow();
  });
});

describe('decideRestart', () => {
  it('restarts at once-ish with the base delay when there is no history', () => {
    expect(decideRestart([], NOW, policy)).toEqual({ action: 'restart', delayMs: 500, attempt: 1 });
  });

  it('backs off exponentially with the restarts inside the window', () => {
    const delays: number[] = [];
    const history: number[] = [];
    for (let i = 0; i < 5; i++) {
      const now = NOW + i * 1_000;
      const decision = decideRestart(history, now, policy);
      expect(decision.action).toBe('restart');
      if (decision.action === 'restart') {
        expect(decision.attempt).toBe(i + 1);
        delays.push(decision.delayMs);
      }
      history.push(now);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
  });

  it('gives up when maxRestarts happened within the window', () => {
    const history = [NOW - 100_000, NOW - 50_000, NOW - 20_000, NOW - 10_000, NOW - 1];
    const decision = decideRestart(history, NOW, policy);
    expect(decision).toEqual({
      action: 'give_up',
      reason: `restarted 5 times within 120 s; giving up (run tmuxorch revive ${WORKER_PLACEHOLDER} to try again)`,
    });
  });

  it('does not count restarts older than the window', () => {
    const history = [NOW - 500_000, NOW - 300_000, NOW - 120_000, NOW - 119_999];
    expect(decideRestart(history, NOW, policy)).toEqual({ action: 'restart', delayMs: 1_000, attempt: 2 });
  });

  it('resets the backoff after a quiet window', () => {
    const history = [NOW, NOW + 1_000, NOW + 2_000, NOW + 3_000];
    expect(decideRestart(history, NOW + 4_000, policy)).toMatchObject({ delayMs: 8_000, attempt: 5 });
    expect(decideRestart(history, NOW + 3_000 + 120_000, policy)).toEqual({
      action: 'restart',
      delayMs: 500,
      attempt: 1,
    });
  });

  it('caps the delay at maxDelayMs', () => {
    const steep = { ...policy, maxRestarts: 100, factor: 10 };
    const history = [NOW - 3, NOW - 2, NOW - 1];
    expect(decideRestart(history, NOW, steep)).toEqual({ action: 'restart', delayMs: 30_000, attempt: 4 });
  });

  it('counts entries from the future (clock stepped back) as recent', () => {
    expect(decideRestart([NOW + 60_000], NOW, policy)).toMatchObject({ delayMs: 1_000, attempt: 2 });
  });

  it('never restarts when maxRestarts is 0', () => {
    const decision = decideRestart([], NOW, { ...policy, maxRestarts: 0 });
    expect(decision.action).toBe('give_up');
    if (decision.action === 'give_up') expect(decision.reason).toContain('disabled');
  });

  it('writes windows below a second in ms and fractions of seconds', () => {
    const short = { ...policy, maxRestarts: 1, windowMs: 750 };
    expect(decideRestart([NOW], NOW, short)).toMatchObject({
      reason: expect.stringContaining('within 750 ms'),
    });
    const odd = { ...policy, maxRestarts: 1, windowMs: 1_500 };
    expect(decideRestart([NOW], NOW, odd)).toMatchObject({ reason: expect.stringContaining('within 1.5 s') });
  });

  it('rejects negative, NaN, fractional-count and infinite-delay policies', () => {
    for (const bad of [
      { ...policy, maxRestarts: -1 },
      { ...policy, windowMs: Number.NaN },
      { ...policy, baseDelayMs: -5 },
      { ...policy, maxDelayMs: Number.NaN },
      { ...policy, factor: -2 },
      { ...policy, maxRestarts: 2.5 },
      { ...policy, maxDelayMs: Infinity },
    ]) {
      expect(() => decideRestart([], NOW, bad), JSON.stringify(bad)).toThrow(RangeError);
    }
  });
});

describe('pruneHistory', () => {
  it('keeps only the entries inside the window, in order', () => {
    const history = [NOW - 200_000, NOW - 119_000, NOW - 5_000, NOW - 130_000, NOW];
    expect(pruneHistory(history, NOW, policy)).toEqual([NOW - 119_000, NOW - 5_000, NOW]);
  });

  it('does not modify its input and drops non-finite entries', () => {
    const history = Object.freeze([NOW - 1, Number.NaN, NOW - 2]);
    expect(pruneHistory(history, NOW, policy)).toEqual([NOW - 1, NOW - 2]);
    expect(history).toHaveLength(3);
  });
});
