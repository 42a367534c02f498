// What the agents spent, by day: one entry per agent task (its calls, i.e. attempts, and the cost
// its CLI reported), so a task seen twice (a restart, a replayed change) is counted once. A
// task counts on the day it first started. Pure: days are named by the caller's clock.
export interface Spend {
  readonly costUsd: number;
  readonly agentCalls: number;
}

export interface TaskSpend {
  readonly project: string;
  readonly worker: string;
  readonly calls: number;
  readonly costUsd: number;
}

// day (YYYY-MM-DD) → task id → what it spent.
export type SpendDays = Record<string, Record<string, TaskSpend>>;

export const NOTHING_SPENT: Spend = { costUsd: 0, agentCalls: 0 };

// The day an instant falls on, where days begin in `timeZone` (null: the local zone).
export function dayOf(epochMs: number, timeZone: string | null): string {
  const format = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(timeZone ? { timeZone } : {}),
  });
  // en-CA formats as YYYY-MM-DD.
  return format.format(new Date(epochMs));
}

// A task's spend, merged with what was recorded of it: counts only grow (a replay of an older
// change must not lower them).
export function mergeTaskSpend(previous: TaskSpend | undefined, next: TaskSpend): TaskSpend {
  if (!previous) return next;
  return {
    ...next,
    calls: Math.max(previous.calls, next.calls),
    costUsd: Math.max(previous.costUsd, next.costUsd),
  };
}

// The day's total, for the fleet (no project) or for one project.
export function spendOf(day: Readonly<Record<string, TaskSpend>> | undefined, project?: string): Spend {
  let costUsd = 0;
  let agentCalls = 0;
  for (const task of Object.values(day ?? {})) {
    if (project !== undefined && task.project !== project) continue;
    costUsd += task.costUsd;
    agentCalls += task.calls;
  }
  // Sums of reported costs: rounded to a millionth of a dollar, so totals print as reported.
  return { costUsd: Math.round(costUsd * 1e6) / 1e6, agentCalls };
}

// The projects that spent on a day.
export function projectsOf(day: Readonly<Record<string, TaskSpend>> | undefined): string[] {
  return [...new Set(Object.values(day ?? {}).map((t) => t.project))].sort();
}

// The days kept: the newest `keep` (a month by default is enough for `budget --day`).
export function recentDays(days: SpendDays, keep: number): SpendDays {
  const names = Object.keys(days).sort().slice(-keep);
  return Object.fromEntries(names.map((name) => [name, days[name] ?? {}]));
}
