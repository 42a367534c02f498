// Where a task or a run stands, in the sentence `wait` and `status` lead with and the value they
// answer: done or not, elapsed time, the steps done of a run and any gate waiting.
import { isTerminal } from '../../domain/task.js';
import type { RunView } from '../../domain/workflow/workflow-view.js';
import type { TaskResult } from '../../application/contract/views.js';
import { kindOf, type McpToolContext, type ToolAnswer } from './mcp-tool.js';

const RUN_DONE: ReadonlySet<RunView['status']> = new Set(['succeeded', 'failed', 'cancelled']);
const STEP_DONE: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export const WAIT_MAX_SECONDS = 50;
export const WAIT_DEFAULT_SECONDS = 20;

function elapsedSince(start: string | null, end: string | null): number | null {
  if (start === null) return null;
  return Math.max(0, (end === null ? Date.now() : Date.parse(end)) - Date.parse(start));
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

// Where a task or a run stands, with the sentence `wait` and `status` lead with.
export function taskProgress(task: TaskResult): ToolAnswer {
  const done = isTerminal(task.status);
  const elapsedMs = elapsedSince(task.startedAt, task.finishedAt);
  const summary = done
    ? `task ${task.id} ${task.status} (exit ${task.exitCode ?? '-'}, ${seconds(elapsedMs)})`
    : task.status === 'queued'
      ? `task ${task.id} still running: queued on ${task.worker}`
      : `task ${task.id} still running on ${task.worker} (${seconds(elapsedMs)} elapsed)`;
  return { summary, value: { id: task.id, kind: 'task', done, status: task.status, elapsedMs, task } };
}

export function runProgress(run: RunView): ToolAnswer {
  const done = RUN_DONE.has(run.status);
  const elapsedMs = elapsedSince(run.startedAt, run.finishedAt);
  const stepsDone = run.steps.filter((s) => STEP_DONE.has(s.status)).length;
  const stepsTotal = run.steps.length;
  const waiting = run.steps.filter((s) => s.gate?.state === 'waiting').map((s) => s.id);
  const steps = `${stepsDone}/${stepsTotal} steps done`;
  const summary = done
    ? `run ${run.id} ${run.status} (${steps}, ${seconds(elapsedMs)})${run.reason ? `: ${run.reason}` : ''}`
    : run.status === 'awaiting_approval'
      ? `run ${run.id} still running, waiting for approval${waiting.length > 0 ? ` at ${waiting.join(', ')}` : ''} (${steps}): approve or deny it`
      : `run ${run.id} still running (${steps}, ${seconds(elapsedMs)} elapsed; running: ${
          run.steps
            .filter((s) => s.status === 'running')
            .map((s) => s.id)
            .join(', ') || '-'
        })`;
  return {
    summary,
    value: {
      id: run.id,
      kind: 'run',
      done,
      status: run.status,
      elapsedMs,
      stepsDone,
      stepsTotal,
      waiting,
      run,
    },
  };
}

export async function progressOf(ctx: McpToolContext, id: string): Promise<ToolAnswer> {
  return kindOf(id) === 'task'
    ? taskProgress(await ctx.call('result', { id }))
    : runProgress(await ctx.call('flowStatus', { id }));
}
