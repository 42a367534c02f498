// The runner's timers: a task's timeout, counted from when it really started (a resumed task
// keeps its own start), and a rate-limited worker's wake-up when its limit resets.
import type { Task } from '../../domain/task.js';

export class TaskTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  // Calls `onTimeout` when the task has run for its timeout; nothing for a task without one.
  armTimeout(task: Task, onTimeout: (taskId: string) => void): void {
    if (task.timeoutMs === null || !task.startedAt) return;
    const remaining = Math.max(0, Date.parse(task.startedAt) + task.timeoutMs - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(task.id);
      onTimeout(task.id);
    }, remaining);
    this.timers.set(task.id, timer);
  }

  clearTimeout(taskId: string): void {
    const timer = this.timers.get(taskId);
    if (timer) clearTimeout(timer);
    this.timers.delete(taskId);
  }

  // Calls `wake` at `atMs` (once, however often asked before then); does not hold the process.
  wakeAt(workerId: string, atMs: number, wake: () => void): void {
    const key = `pump:${workerId}`;
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      wake();
    }, atMs - Date.now());
    timer.unref();
    this.timers.set(key, timer);
  }

  stopAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
