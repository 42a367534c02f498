// `tmuxorch budget [--day D]`: a day's agent spend against config.json's daily limits (the fleet's
// and each project's), and the agent work a reached limit holds. With no daemon running, the
// spend is read from state/spend.json (nothing can be held then).
import type { Command } from 'commander';
import { dayOf } from '../../../domain/budget/spend.js';
import { dollars } from '../../../domain/budget/budget-limits.js';
import { budgetView, type BudgetLine, type BudgetView } from '../../../domain/budget/budget-view.js';
import { DaemonNotRunningError, UsageError } from '../../../domain/errors.js';
import { loadSpendFile } from '../../../infrastructure/budget/spend-file.js';
import type { CliContext } from '../context.js';
import { table } from '../output.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function use(value: number, limit: number | null, cost: boolean): string {
  const shown = (n: number): string => (cost ? dollars(n) : String(n));
  return `${shown(value)} of ${limit === null ? 'no limit' : shown(limit)}`;
}

function row(name: string, line: BudgetLine): string[] {
  return [
    name,
    use(line.costUsd.used, line.costUsd.limit, true),
    use(line.agentCalls.used, line.agentCalls.limit, false),
    line.reached ? 'REACHED' : '',
  ];
}

export function describeBudget(view: BudgetView): string {
  const zone = view.timeZone === 'local' ? 'local time' : view.timeZone;
  const lines = [
    `agent spend on ${view.day} (${zone})`,
    table(
      ['scope', 'cost', 'agent calls', ''],
      [row('fleet', view.fleet), ...view.projects.map((p) => row(p.project, p))],
    ),
  ];
  const reached = [view.fleet.reached, ...view.projects.map((p) => p.reached)].filter((r) => r !== null);
  for (const sentence of reached) lines.push(`reached: ${sentence}`);
  if (view.waiting.length > 0) {
    lines.push('held until approved (tmuxorch approve W), a new day or a raised limit:');
    for (const hold of view.waiting)
      lines.push(`  ${hold.worker}${hold.taskId ? ` (task ${hold.taskId})` : ''} since ${hold.since}`);
  }
  return lines.join('\n');
}

export function registerBudget(program: Command, ctx: CliContext): void {
  program
    .command('budget')
    .description(
      "the agents' spend today (reported cost, agent calls) against config.json's budget: the fleet's and each project's daily limits",
    )
    .option('--day <YYYY-MM-DD>', 'another day (the last two months are kept)')
    .action(async (opts: { day?: string }) => {
      if (opts.day !== undefined && !DAY.test(opts.day))
        throw new UsageError(`--day takes a day such as 2026-12-08 (got "${opts.day}")`, { day: opts.day });
      const input = opts.day ? { day: opts.day } : {};
      const view = await ctx.call('budget', input).catch(async (error: unknown) => {
        if (!(error instanceof DaemonNotRunningError)) throw error;
        const settings = await ctx.withUserConfig();
        const { days } = loadSpendFile(settings.paths.spendFile, { setAside: false });
        const day = opts.day ?? dayOf(Date.now(), settings.budget.timeZone);
        return budgetView(settings.budget, day, days[day], [], []);
      });
      ctx.print(view, () => describeBudget(view));
    });
}
