// What `tmuxorch budget` shows: a day's spend against each limit, for the fleet and for every
// project that spent that day or has a worker, and the agent work the budget holds.
import { budgetBreach, projectLimit, type BudgetLimits, type Limit } from './budget-limits.js';
import { projectsOf, spendOf, type Spend, type TaskSpend } from './spend.js';

export interface BudgetUse {
  readonly used: number;
  // null: no limit.
  readonly limit: number | null;
}

export interface BudgetLine {
  readonly costUsd: BudgetUse;
  readonly agentCalls: BudgetUse;
  // The sentence of the limit reached (new agent work waits), or null.
  readonly reached: string | null;
}

export interface BudgetHold {
  readonly worker: string;
  readonly taskId: string | null;
  readonly since: string;
  readonly reason: string;
}

export interface BudgetView {
  readonly day: string;
  // Where days begin: an IANA zone, or `local` (the controller's).
  readonly timeZone: string;
  readonly fleet: BudgetLine;
  readonly projects: readonly (BudgetLine & { readonly project: string; readonly glob: string | null })[];
  readonly waiting: readonly BudgetHold[];
}

function line(limit: Limit, spend: Spend, reached: string | null): BudgetLine {
  return {
    costUsd: { used: spend.costUsd, limit: limit.costUsd },
    agentCalls: { used: spend.agentCalls, limit: limit.agentCalls },
    reached,
  };
}

export function budgetView(
  limits: BudgetLimits,
  dayName: string,
  day: Readonly<Record<string, TaskSpend>> | undefined,
  workerProjects: readonly string[],
  waiting: readonly BudgetHold[],
): BudgetView {
  const fleet = spendOf(day);
  const fleetBreach = budgetBreach(limits, dayName, fleet, {
    path: '',
    spend: { costUsd: 0, agentCalls: 0 },
  });
  const projects = [...new Set([...projectsOf(day), ...workerProjects])].sort().map((project) => {
    const spend = spendOf(day, project);
    const { limit, glob } = projectLimit(limits, project);
    const breach = budgetBreach({ ...limits, daily: { costUsd: null, agentCalls: null } }, dayName, fleet, {
      path: project,
      spend,
    });
    return { project, glob, ...line(limit, spend, breach?.message ?? null) };
  });
  return {
    day: dayName,
    timeZone: limits.timeZone ?? 'local',
    fleet: line(limits.daily, fleet, fleetBreach?.scope === 'fleet' ? fleetBreach.message : null),
    projects,
    waiting,
  };
}
