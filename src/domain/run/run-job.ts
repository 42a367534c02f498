// A job of `tmuxorch run`: one command (or, for an agent type, one prompt) in one project, run on
// a worker of its own so a human can watch it in its pane.
import type { TaskStatus } from '../task.js';
import type { WorkerType } from '../worker.js';

export interface RunJob {
  // Unique within a run: it names the job's worker, its tmux window and its output file.
  readonly name: string;
  // Absolute path of the project directory the worker starts in.
  readonly project: string;
  readonly command: string;
  readonly type: WorkerType;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number | null;
  // How many more times the job runs after an attempt that did not succeed.
  readonly retries: number;
  readonly interactive: boolean;
  // Globs of the JUnit XML files the job writes, relative to its project (`junit/*.xml`): read
  // after the job for its testcases.
  readonly reports?: readonly string[] | undefined;
}

// A job ends as its last task did, or `skipped` when it never ran (--fail-fast, Ctrl-C).
export type JobStatus = Exclude<TaskStatus, 'queued' | 'running'> | 'skipped';

// 39 characters at most: on the daemon's fleet a job's worker is named run-<id>-<job>, and
// worker names stop at 48.
export const JOB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,38}$/;

// A job's default name: its project's directory name, made safe for a worker/window/file name and
// numbered when two projects share a name (`api`, `api-2`).
export function defaultJobName(project: string, taken: ReadonlySet<string>): string {
  const base =
    (project.replace(/\/+$/, '').split('/').pop() ?? '')
      .replace(/[^A-Za-z0-9_.-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 34) || 'job';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  return name;
}
