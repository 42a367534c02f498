// The budget's limits as config.json says now: re-read when the file changes (its mtime), so
// `tmuxorch config set budget.daily.costUsd 20` takes effect without a restart, and work held
// by the old limit is let go at the next check (budget-gate.ts). A file that became invalid
// keeps the last good limits (the daemon says so once in its log).
import { readFileSync, statSync } from 'node:fs';
import { budgetLimits, type BudgetLimits } from '../../domain/budget/budget-limits.js';
import type { HomePaths } from '../config/paths.js';
import { validateUserConfig } from '../config/user-config.js';

export class BudgetConfig {
  private mtimeMs: number | null;
  private warned: string | null = null;

  constructor(
    private readonly paths: HomePaths,
    private limits: BudgetLimits,
    private readonly warn: (message: string) => void,
  ) {
    this.mtimeMs = this.stamp();
  }

  current(): BudgetLimits {
    const stamp = this.stamp();
    if (stamp === this.mtimeMs) return this.limits;
    this.mtimeMs = stamp;
    try {
      const raw: unknown = stamp === null ? {} : JSON.parse(readFileSync(this.paths.configFile, 'utf8'));
      this.limits = budgetLimits(validateUserConfig(this.paths, raw).budget);
      this.warned = null;
    } catch (error) {
      const message = `config.json changed but cannot be read; the budget keeps its last limits: ${error instanceof Error ? error.message : String(error)}`;
      if (this.warned !== message) this.warn(message);
      this.warned = message;
    }
    return this.limits;
  }

  private stamp(): number | null {
    try {
      return statSync(this.paths.configFile).mtimeMs;
    } catch {
      return null;
    }
  }
}
