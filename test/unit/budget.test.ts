// The budget's rules (domain/budget/) and its ledger (application/budget/spend-ledger.ts): which
// limit is reached, for the fleet or a project (the first matching glob, else perProject), where
// a day begins, and a task counted once however often it is seen.
import { describe, expect, it } from 'vitest';
import { budgetBreach, budgetLimits, dollars, projectLimit } from '../../src/domain/budget/budget-limits.js';
import { budgetView } from '../../src/domain/budget/budget-view.js';
import { dayOf, spendOf, type SpendDays, type TaskSpend } from '../../src/domain/budget/spend.js';
import { SpendLedger } from '../../src/application/budget/spend-ledger.js';

const spent = (costUsd: number, agentCalls: number) => ({ costUsd, agentCalls });
const task = (project: string, calls: number, costUsd: number): TaskSpend => ({
  project,
  worker: 'w',
  calls,
  costUsd,
});

describe('budget limits', () => {
  const limits = budgetLimits({
    daily: { costUsd: 10 },
    perProject: { agentCalls: 5 },
    projects: { api: { costUsd: 1 }, '/srv/**': { agentCalls: 100 } },
    timeZone: 'UTC',
  });

  it('picks the first matching glob, a bare name matching the last segment, else perProject', () => {
    expect(projectLimit(limits, '/home/me/api')).toEqual({
      glob: 'api',
      limit: { costUsd: 1, agentCalls: null },
    });
    expect(projectLimit(limits, '/srv/api').glob).toBe('api');
    expect(projectLimit(limits, '/srv/web').glob).toBe('/srv/**');
    expect(projectLimit(limits, '/home/me/web')).toEqual({
      glob: null,
      limit: { costUsd: null, agentCalls: 5 },
    });
  });

  it('is reached once the calls made reach the limit, or the cost reaches it', () => {
    const project = (path: string, s: ReturnType<typeof spent>) => ({ path, spend: s });
    expect(budgetBreach(limits, 'd', spent(0, 0), project('/p', spent(0, 4)))).toBeNull();
    expect(budgetBreach(limits, 'd', spent(0, 5), project('/p', spent(0, 5)))).toMatchObject({
      scope: 'project',
      measure: 'agent_calls',
      used: 5,
      limit: 5,
      message: 'the daily budget of project /p is reached: 5 agent calls on d (limit 5 agent calls)',
    });
    expect(budgetBreach(limits, 'd', spent(0.99, 0), project('/x/api', spent(0.99, 0)))).toBeNull();
    expect(budgetBreach(limits, 'd', spent(1, 0), project('/x/api', spent(1, 0)))?.measure).toBe('cost_usd');
    // The fleet's limit comes first, whatever the project's.
    expect(budgetBreach(limits, 'd', spent(10, 0), project('/srv/web', spent(0, 0)))).toMatchObject({
      scope: 'fleet',
      project: null,
      message: "the fleet's daily budget is reached: $10.00 on d (limit $10.00)",
    });
  });

  it('no budget holds nothing', () => {
    expect(
      budgetBreach(budgetLimits(undefined), 'd', spent(1e9, 1e9), { path: '/p', spend: spent(1e9, 1e9) }),
    ).toBeNull();
  });

  it('shows cents and below to the millionth', () => {
    expect(dollars(0.000046)).toBe('$0.000046');
    expect(dollars(0)).toBe('$0.00');
    expect(dollars(12.5)).toBe('$12.50');
  });
});

describe('spend', () => {
  it('names the day where the configured zone says it is', () => {
    const instant = Date.parse('2026-12-07T23:30:00Z');
    expect(dayOf(instant, 'UTC')).toBe('2026-12-07');
    expect(dayOf(instant, 'Asia/Tokyo')).toBe('2026-12-08');
    expect(dayOf(instant, 'America/New_York')).toBe('2026-12-07');
  });

  it('sums a day for the fleet and for one project, rounding to the millionth', () => {
    const day = { a: task('/p', 1, 0.1), b: task('/p', 2, 0.2), c: task('/q', 1, 0.0000004) };
    expect(spendOf(day)).toEqual({ costUsd: 0.3, agentCalls: 4 });
    expect(spendOf(day, '/q')).toEqual({ costUsd: 0, agentCalls: 1 });
    expect(spendOf(undefined)).toEqual({ costUsd: 0, agentCalls: 0 });
  });

  it('views every project that spent or has a worker, each against its own limit', () => {
    const limits = budgetLimits({ daily: { agentCalls: 3 }, perProject: { agentCalls: 2 } });
    const view = budgetView(limits, '2026-12-08', { a: task('/p', 2, 0) }, ['/q'], []);
    expect(view.fleet).toEqual({
      costUsd: { used: 0, limit: null },
      agentCalls: { used: 2, limit: 3 },
      reached: null,
    });
    expect(view.projects.map((p) => [p.project, p.agentCalls.used, p.reached !== null])).toEqual([
      ['/p', 2, true],
      ['/q', 0, false],
    ]);
    expect(view.timeZone).toBe('local');
  });
});

describe('the spend ledger', () => {
  function ledger(initial: SpendDays = {}) {
    const saved: SpendDays[] = [];
    let now = Date.parse('2026-12-08T10:00:00Z');
    const book = new SpendLedger(
      initial,
      { save: async (days) => void saved.push(days) },
      { now: () => now },
      (e) => {
        throw e;
      },
    );
    return { book, saved, setNow: (ms: number) => (now = ms) };
  }

  it('counts a task once, on the day it started, however often it is seen', async () => {
    const { book, saved } = ledger();
    const started = Date.parse('2026-12-07T23:59:00Z');
    book.record('t1', task('/p', 1, 0), started, 'UTC');
    book.record('t1', task('/p', 1, 0.5), Date.parse('2026-12-08T00:01:00Z'), 'UTC');
    // An older view of it (a replayed change) lowers nothing.
    book.record('t1', task('/p', 1, 0), started, 'UTC');
    await book.flush();
    expect(spendOf(book.day('2026-12-07'))).toEqual({ costUsd: 0.5, agentCalls: 1 });
    expect(book.day('2026-12-08')).toBeUndefined();
    expect(saved.at(-1)).toEqual({ '2026-12-07': { t1: task('/p', 1, 0.5) } });
  });

  it('takes up what it had saved, and the day follows its clock', () => {
    const { book, setNow } = ledger({ '2026-12-08': { t1: task('/p', 2, 1) } });
    book.record('t1', task('/p', 3, 1), Date.parse('2026-12-09T08:00:00Z'), 'UTC');
    expect(spendOf(book.day('2026-12-08'))).toEqual({ costUsd: 1, agentCalls: 3 });
    expect(book.today('UTC')).toBe('2026-12-08');
    setNow(Date.parse('2026-12-09T00:00:01Z'));
    expect(book.today('UTC')).toBe('2026-12-09');
  });
});
