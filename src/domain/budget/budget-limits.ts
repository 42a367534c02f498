// What a fleet may spend on its agents in a day: limits on the cost the agents report and on the
// number of agent calls (an agent task's attempts: each is one prompt to the CLI), for the whole
// fleet and per project. A limit reached holds new agent work (it waits in awaiting_approval
// with the reason, budget-gate.ts); work already running finishes. Pure: no clock, no files.
import { projectMatches } from '../project-glob.js';
import type { Spend } from './spend.js';

export interface Limit {
  readonly costUsd: number | null;
  readonly agentCalls: number | null;
}

export interface BudgetLimits {
  // The whole fleet, per day.
  readonly daily: Limit;
  // Each project on its own, per day, where no `projects` entry matches it.
  readonly perProject: Limit;
  // Each project matching a glob, per day; the first matching entry decides.
  readonly projects: readonly { readonly glob: string; readonly limit: Limit }[];
  // Where a day begins (an IANA zone; null: the controller's own local time).
  readonly timeZone: string | null;
}

export const NO_LIMIT: Limit = { costUsd: null, agentCalls: null };
export const NO_BUDGET: BudgetLimits = {
  daily: NO_LIMIT,
  perProject: NO_LIMIT,
  projects: [],
  timeZone: null,
};

// config.json's `budget` (user-config.ts validates it).
export interface LimitConfig {
  readonly costUsd?: number | undefined;
  readonly agentCalls?: number | undefined;
}
export interface BudgetConfig {
  readonly daily?: LimitConfig | undefined;
  readonly perProject?: LimitConfig | undefined;
  // glob → limit, as token create --projects takes globs.
  readonly projects?: Readonly<Record<string, LimitConfig>> | undefined;
  readonly timeZone?: string | undefined;
}

function limitOf(config: LimitConfig | undefined): Limit {
  return { costUsd: config?.costUsd ?? null, agentCalls: config?.agentCalls ?? null };
}

export function budgetLimits(config: BudgetConfig | undefined): BudgetLimits {
  if (!config) return NO_BUDGET;
  return {
    daily: limitOf(config.daily),
    perProject: limitOf(config.perProject),
    projects: Object.entries(config.projects ?? {}).map(([glob, limit]) => ({ glob, limit: limitOf(limit) })),
    timeZone: config.timeZone ?? null,
  };
}

// The limit a project is held to, and the glob that chose it (null: perProject).
export function projectLimit(limits: BudgetLimits, project: string): { limit: Limit; glob: string | null } {
  const entry = limits.projects.find((p) => projectMatches(p.glob, project));
  return entry ? { limit: entry.limit, glob: entry.glob } : { limit: limits.perProject, glob: null };
}

export type BudgetMeasure = 'cost_usd' | 'agent_calls';

export interface BudgetBreach {
  readonly scope: 'fleet' | 'project';
  readonly measure: BudgetMeasure;
  readonly used: number;
  readonly limit: number;
  readonly project: string | null;
  // One sentence: what is reached, by how much.
  readonly message: string;
}

function measured(
  limit: Limit,
  spend: Spend,
): { measure: BudgetMeasure; used: number; limit: number } | null {
  // A call is refused once the calls made reach the limit (the next would pass it); cost once it
  // is reached (the next call's cost is not known before it runs).
  if (limit.agentCalls !== null && spend.agentCalls >= limit.agentCalls)
    return { measure: 'agent_calls', used: spend.agentCalls, limit: limit.agentCalls };
  if (limit.costUsd !== null && spend.costUsd >= limit.costUsd)
    return { measure: 'cost_usd', used: spend.costUsd, limit: limit.costUsd };
  return null;
}

// Dollars as the agents report them: cents and below shown to the millionth.
export function dollars(value: number): string {
  return `$${value !== 0 && Math.abs(value) < 0.01 ? value.toFixed(6) : value.toFixed(2)}`;
}

function amount(measure: BudgetMeasure, value: number): string {
  return measure === 'cost_usd' ? dollars(value) : `${value} agent call${value === 1 ? '' : 's'}`;
}

// The limit new agent work on `project` would pass today, or null: it may start.
export function budgetBreach(
  limits: BudgetLimits,
  day: string,
  fleet: Spend,
  project: { readonly path: string; readonly spend: Spend },
): BudgetBreach | null {
  const whole = measured(limits.daily, fleet);
  if (whole)
    return {
      scope: 'fleet',
      ...whole,
      project: null,
      message: `the fleet's daily budget is reached: ${amount(whole.measure, whole.used)} on ${day} (limit ${amount(whole.measure, whole.limit)})`,
    };
  const own = measured(projectLimit(limits, project.path).limit, project.spend);
  if (!own) return null;
  return {
    scope: 'project',
    ...own,
    project: project.path,
    message: `the daily budget of project ${project.path} is reached: ${amount(own.measure, own.used)} on ${day} (limit ${amount(own.measure, own.limit)})`,
  };
}

export function hasLimits(limits: BudgetLimits): boolean {
  const some = (l: Limit): boolean => l.costUsd !== null || l.agentCalls !== null;
  return some(limits.daily) || some(limits.perProject) || limits.projects.some((p) => some(p.limit));
}
