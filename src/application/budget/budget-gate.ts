// The budget's hold on agent work (domain/budget/): an agent task about to be typed while a daily
// limit of the fleet or of its project is reached waits, its worker awaiting_approval with the
// reason, until a person approves it (`tmuxorch approve W`: it runs, once, past the limit) or
// denies it (it ends `denied`), the day turns, or the limit is raised in config.json (checked
// every few seconds). Work already running finishes: the check is made before typing only.
// Shell workers are not agent work and are never held.
import type { BudgetLimits } from '../../domain/budget/budget-limits.js';
import { budgetBreach, hasLimits } from '../../domain/budget/budget-limits.js';
import { budgetView, type BudgetHold, type BudgetView } from '../../domain/budget/budget-view.js';
import { spendOf } from '../../domain/budget/spend.js';
import type { Task } from '../../domain/task.js';
import { withApprovalDone, type Worker } from '../../domain/worker.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import type { Clock } from '../ports/clock.js';
import { approvalId, type BeforeTyping, type PolicyGate } from '../policy/policy-gate.js';
import type { SpendLedger } from './spend-ledger.js';

export interface BudgetGateDeps {
  readonly store: FleetStore;
  readonly ledger: SpendLedger;
  // The limits as config.json says now.
  readonly limits: () => BudgetLimits;
  readonly policy: PolicyGate;
  readonly clock: Clock;
  readonly logger: Logger;
  // Lets a worker's queue go on once its hold ends.
  readonly pump: (workerId: string) => void;
}

const GO: BeforeTyping = { go: true };
export const BUDGET_RECHECK_MS = 5_000;

export class BudgetGate {
  private timer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: BudgetGateDeps) {
    const onTask = (_previous: Task | undefined, next: Task): void => this.count(next);
    deps.store.on('task', onTask);
    this.unsubscribe = () => deps.store.off('task', onTask);
    // What the state knows that the ledger may have missed (a daemon killed before it wrote).
    for (const task of deps.store.taskValues()) this.count(task);
  }

  // Checks held work every few seconds (a new day, a raised limit lets it go).
  start(): void {
    this.timer ??= setInterval(() => this.recheck(), BUDGET_RECHECK_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe();
    await this.deps.ledger.flush();
  }

  beforeTyping(worker: Worker, task: Task): BeforeTyping {
    if (worker.type === 'shell') return GO;
    const pending = worker.pendingApproval;
    if (pending?.kind === 'budget' && pending.taskId === task.id && pending.answer !== null) {
      this.deps.store.putWorker(withApprovalDone(worker));
      this.deps.store.flushSoon();
      return pending.answer === 'approved'
        ? GO
        : { go: false, denied: `a person denied it: ${pending.question}` };
    }
    const reached = this.reached(worker.project);
    if (reached === null) return GO;
    this.deps.store.putWorker({
      ...worker,
      pendingApproval: {
        id: approvalId(),
        kind: 'budget',
        taskId: task.id,
        question: `${reached}: approve to run it anyway, or raise the limit in config.json`,
        since: new Date(this.deps.clock.now()).toISOString(),
        answer: null,
      },
    });
    this.deps.store.flushSoon();
    this.deps.policy.record(worker, 'budget', 'ask', 'rules', null, reached);
    return { go: false, denied: null };
  }

  // Lets go what the budget holds and no longer needs to.
  recheck(): void {
    for (const worker of this.deps.store.workers()) {
      const pending = worker.pendingApproval;
      if (pending?.kind !== 'budget' || pending.answer !== null) continue;
      if (this.reached(worker.project) !== null) continue;
      this.deps.store.putWorker(withApprovalDone(worker));
      this.deps.store.flushSoon();
      this.deps.policy.record(worker, 'budget', 'allow', 'rules', null, 'the budget allows it again');
      this.deps.pump(worker.id);
    }
  }

  view(day?: string): BudgetView {
    this.recheck();
    const limits = this.deps.limits();
    const name = day ?? this.deps.ledger.today(limits.timeZone);
    const workers = this.deps.store.workers();
    const waiting: BudgetHold[] = workers
      .filter((w) => w.pendingApproval?.kind === 'budget' && w.pendingApproval.answer === null)
      .map((w) => ({
        worker: w.name,
        taskId: w.pendingApproval?.taskId ?? null,
        since: w.pendingApproval?.since ?? '',
        reason: w.pendingApproval?.question ?? '',
      }));
    const agentProjects = workers.filter((w) => w.type !== 'shell').map((w) => w.project);
    return budgetView(limits, name, this.deps.ledger.day(name), agentProjects, waiting);
  }

  // The sentence of the limit new agent work on `project` would pass today, or null.
  private reached(project: string): string | null {
    const limits = this.deps.limits();
    if (!hasLimits(limits)) return null;
    const today = this.deps.ledger.today(limits.timeZone);
    const tasks = this.deps.ledger.day(today);
    const breach = budgetBreach(limits, today, spendOf(tasks), {
      path: project,
      spend: spendOf(tasks, project),
    });
    return breach?.message ?? null;
  }

  // An agent task's calls (its attempts) and its reported cost, into the ledger.
  private count(task: Task): void {
    if (task.attempts === 0 || task.startedAt === null) return;
    const worker = this.deps.store.worker(task.workerId);
    if (!worker || worker.type === 'shell') return;
    const limits = this.deps.limits();
    this.deps.ledger.record(
      task.id,
      {
        project: worker.project,
        worker: worker.name,
        calls: task.attempts,
        costUsd: task.agent?.costUsd ?? 0,
      },
      Date.parse(task.startedAt),
      limits.timeZone,
    );
  }
}
