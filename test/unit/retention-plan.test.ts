// The retention plan (domain/retention/retention-plan.ts), pure: by age, by count, by size;
// what is unfinished or holds unmerged work stays whatever the rules say; what another rule
// dropped goes; and ages are read and written as people do.
import { describe, expect, it } from 'vitest';
import {
  noRetentionRules,
  planRetention,
  RETENTION_KINDS,
  type RetentionCandidate,
  type RetentionKind,
  type RetentionPolicy,
} from '../../src/domain/retention/retention-plan.js';
import { formatAge, formatBytes, parseAge } from '../../src/domain/retention/retention-age.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-08T00:00:00Z');

function perKind<T>(value: T, over: Partial<Record<RetentionKind, T>> = {}): Record<RetentionKind, T> {
  return Object.fromEntries(RETENTION_KINDS.map((k) => [k, over[k] ?? value])) as Record<RetentionKind, T>;
}

function policy(over: Partial<RetentionPolicy> = {}): RetentionPolicy {
  return { maxAgeMs: perKind(null), keep: perKind(null), maxBytes: null, ...over };
}

function candidate(id: string, daysAgo: number, over: Partial<RetentionCandidate> = {}): RetentionCandidate {
  return {
    kind: 'workflow-run',
    id,
    path: `/home/flows/${id}`,
    bytes: 100,
    finishedAt: NOW - daysAgo * DAY,
    ...over,
  };
}

const ids = (items: readonly { id: string }[]): string[] => items.map((i) => i.id).sort();

describe('planRetention', () => {
  it('removes nothing without a rule', () => {
    const plan = planRetention([candidate('a', 100), candidate('b', 1)], policy(), NOW);
    expect(plan.remove).toEqual([]);
    expect(plan.keep.map((k) => k.reason)).toEqual([
      'no age, count or size rule for it',
      'no age, count or size rule for it',
    ]);
    expect(noRetentionRules(policy())).toBe(true);
  });

  it('by age: what finished longer ago than the kind allows goes, with its age and why', () => {
    const plan = planRetention(
      [candidate('old', 10), candidate('young', 2), candidate('log', 10, { kind: 'worker-log' })],
      policy({ maxAgeMs: perKind(null, { 'workflow-run': 7 * DAY }) }),
      NOW,
    );
    expect(plan.remove).toEqual([
      {
        kind: 'workflow-run',
        id: 'old',
        path: '/home/flows/old',
        bytes: 100,
        ageMs: 10 * DAY,
        reason: 'older than 7d',
      },
    ]);
    expect(plan.keep.find((k) => k.id === 'young')).toMatchObject({ reason: 'newer than 7d', held: false });
    expect(ids(plan.keep)).toEqual(['log', 'young']);
  });

  it('by count: beyond the newest N of a kind goes, however young; other kinds are counted apart', () => {
    const plan = planRetention(
      [
        candidate('r1', 0.1),
        candidate('r2', 0.2),
        candidate('r3', 0.3),
        candidate('r4', 0.4),
        candidate('rep1', 0.5, { kind: 'run-report' }),
      ],
      policy({ keep: perKind(null, { 'workflow-run': 2, 'run-report': 2 }) }),
      NOW,
    );
    expect(ids(plan.remove)).toEqual(['r3', 'r4']);
    expect(plan.remove[0]?.reason).toBe('beyond the newest 2');
    expect(ids(plan.keep)).toEqual(['r1', 'r2', 'rep1']);
  });

  it('by size: while everything is over the cap, the oldest removable goes first', () => {
    const plan = planRetention(
      [
        candidate('newest', 1, { bytes: 400 }),
        candidate('middle', 2, { bytes: 400 }),
        candidate('oldest', 3, { bytes: 400 }),
        candidate('task', 4, { kind: 'task-output', bytes: 100 }),
        // Held things count toward the total, and never go.
        candidate('running', 50, { bytes: 300, unfinished: 'the run is running' }),
      ],
      policy({ maxBytes: 1_000 }),
      NOW,
    );
    // 1600 in all: the task (oldest, 100) then `oldest` (400) bring it to 1100, `middle` to 700.
    expect(ids(plan.remove)).toEqual(['middle', 'oldest', 'task']);
    expect(plan.remove.every((r) => r.reason === 'over the size cap of 1000 B')).toBe(true);
    expect(plan.bytes).toBe(1_600);
    expect(ids(plan.keep)).toEqual(['newest', 'running']);
  });

  it('never removes what is unfinished or holds unmerged work, under any rule', () => {
    const plan = planRetention(
      [
        candidate('running', 100, { unfinished: 'the run is running' }),
        candidate('unmerged', 100, {
          unmergedWork: {
            path: '/home/flows/unmerged/worktrees/fix',
            why: 'branch x has 1 commit not merged',
          },
        }),
        candidate('merged', 100),
      ],
      policy({ maxAgeMs: perKind(0), keep: perKind(0), maxBytes: 1 }),
      NOW,
    );
    expect(ids(plan.remove)).toEqual(['merged']);
    expect(plan.keep).toEqual([
      expect.objectContaining({ id: 'running', reason: 'the run is running', held: true }),
      expect.objectContaining({
        id: 'unmerged',
        reason: 'unmerged work in /home/flows/unmerged/worktrees/fix: branch x has 1 commit not merged',
        held: true,
      }),
    ]);
  });

  it('removes what another rule dropped already, without a rule of its own', () => {
    const plan = planRetention(
      [candidate('orphan', 2, { kind: 'task-output', superseded: 'its task is no longer in the state' })],
      policy(),
      NOW,
    );
    expect(plan.remove).toMatchObject([{ id: 'orphan', reason: 'its task is no longer in the state' }]);
  });

  it('a held candidate does not take a place among the newest N', () => {
    const plan = planRetention(
      [candidate('going', 0.1, { unfinished: 'the run is running' }), candidate('a', 1), candidate('b', 2)],
      policy({ keep: perKind(null, { 'workflow-run': 1 }) }),
      NOW,
    );
    expect(ids(plan.remove)).toEqual(['b']);
  });
});

describe('ages and sizes', () => {
  it('parses the ages a person writes, zero included, and refuses the rest as USAGE', () => {
    expect(parseAge('7d')).toBe(7 * DAY);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('30m')).toBe(1_800_000);
    expect(parseAge('1.5s')).toBe(1_500);
    expect(parseAge('0s')).toBe(0);
    for (const bad of ['', '7', '7 days', '-1d', 'd'])
      expect(() => parseAge(bad), bad).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('formats them back short', () => {
    expect(formatAge(7 * DAY)).toBe('7d');
    expect(formatAge(1.5 * 3_600_000)).toBe('1.5h');
    expect(formatAge(0)).toBe('0s');
    expect(formatAge(250)).toBe('250ms');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
