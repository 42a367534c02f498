// What the agents spent, kept by day in memory and in state/spend.json (written soon after each
// change, and at shutdown). Each agent task has one entry, on the day it first started: a task
// seen again (its end after a restart, the start-up scan of the tasks in the state) updates that
// entry instead of counting twice.
import {
  dayOf,
  mergeTaskSpend,
  recentDays,
  type SpendDays,
  type TaskSpend,
} from '../../domain/budget/spend.js';
import type { Clock } from '../ports/clock.js';

export interface SpendPersistence {
  save(days: SpendDays): Promise<void>;
}

// `budget --day` reaches back this far; older days are dropped when the file is written.
const KEEP_DAYS = 62;
const WRITE_DELAY_MS = 200;

export class SpendLedger {
  private days: SpendDays;
  private readonly dayOfTask = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    initial: SpendDays,
    private readonly persistence: SpendPersistence,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {
    this.days = structuredClone(initial);
    for (const [day, tasks] of Object.entries(this.days))
      for (const id of Object.keys(tasks)) this.dayOfTask.set(id, day);
  }

  today(timeZone: string | null): string {
    return dayOf(this.clock.now(), timeZone);
  }

  day(name: string): Readonly<Record<string, TaskSpend>> | undefined {
    return this.days[name];
  }

  // Records what a task spent so far; `startedAt` (epoch ms) names its day the first time.
  record(taskId: string, spend: TaskSpend, startedAt: number, timeZone: string | null): void {
    const day = this.dayOfTask.get(taskId) ?? dayOf(startedAt, timeZone);
    const tasks = (this.days[day] ??= {});
    const previous = tasks[taskId];
    const next = mergeTaskSpend(previous, spend);
    if (previous && previous.calls === next.calls && previous.costUsd === next.costUsd) return;
    tasks[taskId] = next;
    this.dayOfTask.set(taskId, day);
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, WRITE_DELAY_MS);
    this.timer.unref();
  }

  // Writes now (one write at a time, the newest content last).
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.days = recentDays(this.days, KEEP_DAYS);
    const snapshot = structuredClone(this.days);
    this.writing = this.writing.then(() => this.persistence.save(snapshot)).catch(this.onError);
    return this.writing;
  }
}
