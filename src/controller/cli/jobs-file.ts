// `tmuxorch run jobs.yaml|jobs.json`: the jobs of a run, per project. Either a list of jobs, or
//
//   concurrency: 3            # optional, as --concurrency
//   failFast: true            # optional, as --fail-fast
//   defaults:                 # optional: every job field but project and name
//     timeout: 5m
//   jobs:
//     - project: ../api       # relative to this file; ~ is your home
//       command: npm test     # shell command, or the prompt for an agent type
//       name: api             # optional: default the project's directory name
//       type: shell           # shell (default) or an agent type
//       env: { CI: "1" }
//       timeout: 10m          # 30s, 1500ms, 5m, 1h, or a number of seconds
//       retries: 2
//       interactive: false
//       reports: junit/*.xml  # optional: JUnit files the job writes (globs in its project)
//
// Validated with zod; an error names the file, line, column and field at fault. JSON is read
// with JSON.parse (strict JSON) and located with the YAML parser (infrastructure/config/yaml-location.ts).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { TaskFileError, UsageError } from '../../domain/errors.js';
import { JOB_NAME_PATTERN } from '../../domain/run/run-job.js';
import { WORKER_TYPE_PATTERN } from '../../domain/worker.js';
import { expandHome, reportGlobsSchema } from '../../application/runs/job-spec.js';
import { parseDuration } from './parse.js';
import { fieldName, locate, parseLocated, SyntaxProblem } from '../../infrastructure/config/yaml-location.js';

const duration = z.union([z.string(), z.number().positive()]).transform((value, ctx) => {
  try {
    // A number is seconds, rounded to whole milliseconds.
    return parseDuration(typeof value === 'number' ? `${value * 1000}ms` : value, 'timeout');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^timeout /, '') });
    return z.NEVER;
  }
});

const fields = {
  // A YAML scalar such as `true` or `42` is a command too, as written.
  command: z
    .union([z.string(), z.number(), z.boolean()])
    .transform(String)
    .pipe(z.string().trim().min(1, 'must not be empty')),
  type: z.string().regex(WORKER_TYPE_PATTERN, 'must be shell or an agent type such as claude or sim'),
  env: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'),
    z.union([z.string(), z.number(), z.boolean()]).transform(String),
  ),
  timeout: duration,
  retries: z.number().int().min(0).max(100),
  interactive: z.boolean(),
  // One glob or a list of them.
  reports: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (typeof v === 'string' ? [v] : v))
    .pipe(reportGlobsSchema),
};

const jobSchema = z
  .object({
    project: z.string().min(1, 'must not be empty'),
    name: z.string().regex(JOB_NAME_PATTERN, "must be letters, digits, '.', '_' or '-'").optional(),
    command: fields.command.optional(),
    type: fields.type.optional(),
    env: fields.env.optional(),
    timeout: fields.timeout.optional(),
    retries: fields.retries.optional(),
    interactive: fields.interactive.optional(),
    reports: fields.reports.optional(),
  })
  .strict();

const defaultsSchema = jobSchema.omit({ project: true, name: true }).strict();

const fileSchema = z
  .object({
    concurrency: z.number().int().min(1).max(1000).optional(),
    failFast: z.boolean().optional(),
    defaults: defaultsSchema.optional(),
    jobs: z.array(jobSchema).min(1, 'must list at least one job'),
  })
  .strict();

// Job fields as given: what is missing comes from the command line, then from the file's defaults.
export interface JobFields {
  readonly command?: string | undefined;
  readonly type?: string | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs?: number | undefined;
  readonly retries?: number | undefined;
  readonly interactive?: boolean | undefined;
  readonly reports?: readonly string[] | undefined;
}

export interface JobsFile {
  readonly concurrency?: number | undefined;
  readonly failFast?: boolean | undefined;
  readonly defaults: JobFields;
  readonly jobs: ReadonlyArray<JobFields & { readonly project: string; readonly name?: string | undefined }>;
}

function fieldsOf(given: z.infer<typeof defaultsSchema>): JobFields {
  return {
    command: given.command,
    type: given.type,
    env: given.env,
    timeoutMs: given.timeout,
    retries: given.retries,
    interactive: given.interactive,
    reports: given.reports,
  };
}

export async function readJobsFile(file: string): Promise<JobsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`jobs file ${file} cannot be read`, { file });
  }
  const located = parseLocated(text, file.endsWith('.json'));
  if (located instanceof SyntaxProblem)
    throw new TaskFileError(`${file}:${located.where}: ${located.message}`, { file });
  const raw = located.raw;
  const listed = Array.isArray(raw);
  const parsed = fileSchema.safeParse(listed ? { jobs: raw } : raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    // A top-level list was wrapped as { jobs }: its paths start one level lower in the file.
    const filePath = listed ? path.slice(1) : path;
    const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const where = locate(located, filePath, unknownKey);
    const named = unknownKey === undefined ? filePath : [...filePath, unknownKey];
    const field = fieldName(named) || 'top level';
    const msg = unknownKey !== undefined ? 'is not a field a job file knows' : (issue?.message ?? 'invalid');
    throw new TaskFileError(`${file}:${where}: ${field}: ${msg}`, { file, field, at: where });
  }
  const { defaults = {}, jobs, concurrency, failFast } = parsed.data;
  const base = dirname(resolve(file));
  return {
    concurrency,
    failFast,
    defaults: fieldsOf(defaults),
    jobs: jobs.map((job) => ({
      ...fieldsOf(job),
      project: resolve(base, expandHome(job.project)),
      name: job.name,
    })),
  };
}
