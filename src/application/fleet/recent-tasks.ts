// The newest tasks as `status` shows them: the last 50, each with the tail of its output (the
// whole of it is `result`'s), read only when asked for.
import { isTerminal } from '../../domain/task.js';
import { toTaskResult, type TaskResult } from '../contract/views.js';
import type { FleetRuntime } from './fleet-runtime.js';

const STATUS_TASKS = 50;
const STATUS_OUTPUT_CHARS = 4_096;

export async function recentTaskResults(rt: FleetRuntime, withOutput: boolean): Promise<TaskResult[]> {
  const tasks = rt.store
    .tasks()
    .sort((a, b) => b.seq - a.seq)
    .slice(0, STATUS_TASKS);
  return Promise.all(
    tasks.map(async (t) => {
      const output = withOutput && isTerminal(t.status) ? await rt.files.readOutput(t.id) : null;
      return toTaskResult(t, output === null ? null : output.slice(-STATUS_OUTPUT_CHARS));
    }),
  );
}
