// Everything under a home that retention could remove, as candidates for the pure plan
// (domain/retention/retention-plan.ts): each with its size, when it finished, and why it must
// stay if it must (unfinished). Whether a finished workflow run holds unmerged work costs git
// calls, so it is asked only of the runs the plan would remove (workflow-run-retention.ts).
import { join } from 'node:path';
import { isTerminal } from '../../domain/task.js';
import { isJobFinished } from '../../domain/queue/job.js';
import { isRunDone } from '../../domain/workflow/workflow-run.js';
import { DAY_MS } from '../../domain/retention/retention-age.js';
import type { RetentionCandidate } from '../../domain/retention/retention-plan.js';
import {
  FLOW_RUN_DIR,
  hasReport,
  listEntries,
  RUN_REPORT_DIR,
  TASK_DIR,
  usageOf,
  WORKER_LOG,
} from '../../infrastructure/retention/home-entries.js';
import type { RetentionSubjects } from './retention-subjects.js';

// A `tmuxorch run` without its report may still be going: kept while it wrote in the last day
// (the rule `tmuxorch run` itself has always pruned by).
const REPORTLESS_RUN_KEPT_MS = DAY_MS;
// A task directory that no task in the state names (the state keeps only the newest
// keepFinishedTasks finished tasks, and nothing removed their files) goes after a day: nothing
// can show it any more. The day covers a state that is behind its files after a crash.
const ORPHAN_TASK_DIR_MS = DAY_MS;

function timeOf(iso: string | null | undefined, fallback: number): number {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? ms : fallback;
}

// `sized` false: a run's bytes are left at 0 here (its tree is walked only if it goes).
async function workflowRuns(s: RetentionSubjects, sized: boolean): Promise<RetentionCandidate[]> {
  const out: RetentionCandidate[] = [];
  for (const entry of await listEntries(s.runFiles.flowsDir, FLOW_RUN_DIR, 'directory', sized)) {
    const base = { kind: 'workflow-run' as const, id: entry.name, path: entry.path, bytes: entry.bytes };
    const run = await s.runFiles.loadRun(entry.name).catch(() => null);
    if (!run) {
      out.push({
        ...base,
        finishedAt: entry.modifiedAt,
        unfinished: 'its run.json is missing or unreadable',
      });
      continue;
    }
    const finishedAt = timeOf(run.finishedAt, entry.modifiedAt);
    if (!isRunDone(run.status) || s.isRunActive(run.id))
      out.push({ ...base, finishedAt, unfinished: `the run is ${run.status}` });
    else out.push({ ...base, finishedAt });
  }
  return out;
}

async function runReports(s: RetentionSubjects, now: number): Promise<RetentionCandidate[]> {
  const out: RetentionCandidate[] = [];
  for (const entry of await listEntries(join(s.settings.home, 'runs'), RUN_REPORT_DIR, 'directory')) {
    const base = { kind: 'run-report' as const, id: entry.name, path: entry.path, bytes: entry.bytes };
    const reported = await hasReport(entry.path);
    const quiet = now - entry.modifiedAt >= REPORTLESS_RUN_KEPT_MS;
    if (!reported && !quiet)
      out.push({
        ...base,
        finishedAt: entry.modifiedAt,
        unfinished: 'no report yet: it may still be running',
      });
    else out.push({ ...base, finishedAt: entry.modifiedAt });
  }
  return out;
}

async function taskOutputs(s: RetentionSubjects, now: number): Promise<RetentionCandidate[]> {
  const tasks = new Map(s.tasks.map((task) => [task.id, task]));
  const out: RetentionCandidate[] = [];
  for (const entry of await listEntries(s.settings.paths.tasksDir, TASK_DIR, 'directory')) {
    const base = { kind: 'task-output' as const, id: entry.name, path: entry.path, bytes: entry.bytes };
    const task = tasks.get(entry.name);
    if (!task) {
      const old = now - entry.modifiedAt >= ORPHAN_TASK_DIR_MS;
      out.push({
        ...base,
        finishedAt: entry.modifiedAt,
        ...(old ? { superseded: 'its task is no longer in the state (past keepFinishedTasks)' } : {}),
      });
    } else if (!isTerminal(task.status))
      out.push({ ...base, finishedAt: entry.modifiedAt, unfinished: `the task is ${task.status}` });
    else out.push({ ...base, finishedAt: timeOf(task.finishedAt, entry.modifiedAt) });
  }
  return out;
}

async function workerLogs(s: RetentionSubjects): Promise<RetentionCandidate[]> {
  const live = new Set(s.workers.map((worker) => worker.id));
  const running = new Set(s.tasks.filter((t) => t.status === 'running').map((t) => t.workerId));
  const out: RetentionCandidate[] = [];
  for (const entry of await listEntries(s.settings.paths.workerLogsDir, WORKER_LOG, 'file')) {
    const [, workerId = '', rotated] = WORKER_LOG.exec(entry.name) ?? [];
    const base = { id: entry.name, path: entry.path, bytes: entry.bytes, finishedAt: entry.modifiedAt };
    // A live worker's current log is its pane's stream: rotation bounds it, never retention.
    if (live.has(workerId) && rotated === undefined) continue;
    if (!live.has(workerId)) out.push({ ...base, kind: 'worker-log' });
    // Recovery reads the rotated log while a task's offset may lie in it.
    else if (running.has(workerId))
      out.push({ ...base, kind: 'rotated-log', unfinished: `worker ${workerId} is running a task` });
    else out.push({ ...base, kind: 'rotated-log' });
  }
  return out;
}

async function queueJobs(s: RetentionSubjects): Promise<RetentionCandidate[]> {
  const out: RetentionCandidate[] = [];
  for (const { job, path } of s.jobs) {
    const { bytes, modifiedAt } = await usageOf(path);
    const base = { kind: 'queue-job' as const, id: job.id, path, bytes };
    const finishedAt = timeOf(job.finishedAt ?? job.updatedAt, modifiedAt);
    if (!isJobFinished(job.status)) out.push({ ...base, finishedAt, unfinished: `the job is ${job.status}` });
    else out.push({ ...base, finishedAt });
  }
  return out;
}

// `sized`: every candidate's bytes are needed (a size rule); else workflow runs are not measured.
export async function gatherCandidates(
  s: RetentionSubjects,
  now: number,
  sized: boolean,
): Promise<RetentionCandidate[]> {
  const parts = await Promise.all([
    workflowRuns(s, sized),
    runReports(s, now),
    taskOutputs(s, now),
    workerLogs(s),
    queueJobs(s),
  ]);
  return parts.flat();
}
