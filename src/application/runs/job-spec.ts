// Jobs as a script or a jobs file gives them (relative paths, names optional) turned into the
// RunJobs a run works with. Everything is checked before the first job starts.
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../domain/errors.js';
import { defaultJobName, JOB_NAME_PATTERN, type RunJob } from '../../domain/run/run-job.js';
import { WORKER_TYPE_PATTERN, type WorkerType } from '../../domain/worker.js';
import { checkProject } from '../../infrastructure/fs/project-directory.js';

export interface JobSpec {
  readonly project: string;
  // A shell command for a shell worker; the prompt for an agent type.
  readonly command: string;
  readonly name?: string | undefined;
  readonly type?: WorkerType | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs?: number | null | undefined;
  readonly retries?: number | undefined;
  readonly interactive?: boolean | undefined;
  // Globs of the JUnit XML reports the job writes, relative to its project.
  readonly reports?: readonly string[] | undefined;
}

// A `reports` glob stays inside the job's project: relative, no `..` step out of it.
export const reportGlobSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((glob) => !isAbsolute(glob) && !glob.startsWith('~'), 'must be relative to the project')
  .refine((glob) => !glob.split(/[\\/]/).includes('..'), 'must not leave the project (no ..)');

export const reportGlobsSchema = z.array(reportGlobSchema).max(50, 'at most 50 globs');

// `~` and `~/…` are the user's home, as in a shell (a script's paths rarely pass through one).
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

export function toRunJobs(specs: readonly JobSpec[], cwd: string = process.cwd()): RunJob[] {
  if (specs.length === 0) throw new UsageError('a run needs at least one job', {});
  const taken = new Set<string>();
  // Named jobs keep their names; the others are named after their projects around them.
  for (const spec of specs) {
    if (spec.name === undefined) continue;
    if (!JOB_NAME_PATTERN.test(spec.name))
      throw new UsageError(`job name "${spec.name}" is not allowed: use letters, digits, '.', '_' or '-'`, {
        name: spec.name,
      });
    if (taken.has(spec.name)) throw new UsageError(`two jobs are named "${spec.name}"`, { name: spec.name });
    taken.add(spec.name);
  }
  return specs.map((spec) => {
    // An empty path would resolve to the current directory: never what was meant.
    if (spec.project.trim() === '')
      throw new UsageError(
        `${spec.name === undefined ? 'a job' : `job ${spec.name}`} has an empty project`,
        {},
      );
    if (spec.command.trim() === '')
      throw new UsageError(`job ${spec.name ?? spec.project} has no command`, { project: spec.project });
    const type = spec.type ?? 'shell';
    if (!WORKER_TYPE_PATTERN.test(type))
      throw new UsageError(`job type "${type}" is not a worker type`, { type });
    const retries = spec.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0 || retries > 100)
      throw new UsageError('retries must be a whole number from 0 to 100', { retries });
    const reports = reportGlobsSchema.safeParse(spec.reports ?? []);
    if (!reports.success)
      throw new UsageError(
        `job ${spec.name ?? spec.project}: reports ${reports.error.issues[0]?.message ?? 'invalid'}`,
        { project: spec.project, reports: spec.reports },
      );
    const project = resolve(cwd, expandHome(spec.project));
    let name = spec.name;
    if (name === undefined) {
      name = defaultJobName(project, taken);
      taken.add(name);
    }
    return {
      name,
      project,
      command: spec.command,
      type,
      env: spec.env ?? {},
      timeoutMs: spec.timeoutMs ?? null,
      retries,
      interactive: spec.interactive ?? false,
      // Only when given: a job without reports is the same RunJob as before the field existed.
      ...(reports.data.length > 0 ? { reports: reports.data } : {}),
    };
  });
}

// A missing project stops the run before anything starts, rather than failing one job in it.
export async function checkProjects(jobs: readonly RunJob[]): Promise<void> {
  await Promise.all(jobs.map((job) => checkProject(job.project)));
}
