// `send --file F`: a task spec ({"command", "timeout", "priority", "retries"}) in .json, or the
// same fields in .yaml/.yml, or, for any other extension, a shell script whose text is the
// command. Validated before anything is sent. (A .yaml file was once run as a script: bash said
// "command:: command not found", exit 127.)
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TaskFileError } from '../../domain/errors.js';
import { TASK_PRIORITIES, type TaskPriority } from '../../domain/task.js';
import { parseDuration } from './parse.js';

const taskFileSchema = z
  .object({
    command: z.string().min(1, 'must not be empty'),
    timeout: z.union([z.string(), z.number().positive()]).optional(),
    priority: z.enum(TASK_PRIORITIES).optional(),
    retries: z.number().int().min(0).max(100).optional(),
  })
  .strict();

export interface TaskSpec {
  readonly command: string;
  readonly timeoutMs?: number;
  readonly priority?: TaskPriority;
  readonly retries?: number;
}

export async function readTaskFile(file: string): Promise<TaskSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new TaskFileError(`task file ${file} cannot be read`, { file });
  }
  const yaml = /\.ya?ml$/i.test(file);
  if (!yaml && !/\.json$/i.test(file)) {
    if (text.trim() === '') throw new TaskFileError(`task file ${file} is empty`, { file });
    return { command: text.replace(/\n$/, '') };
  }
  let json: unknown;
  try {
    json = yaml ? parseYaml(text, { prettyErrors: false }) : JSON.parse(text);
  } catch (error) {
    const first = ((error as Error).message.split('\n')[0] ?? '').trim();
    throw new TaskFileError(`task file ${file} is not valid ${yaml ? 'YAML' : 'JSON'} (${first})`, { file });
  }
  // A jobs file (a list, or `jobs:`) given to send: say where it belongs.
  if (Array.isArray(json) || (json !== null && typeof json === 'object' && 'jobs' in json))
    throw new TaskFileError(
      `task file ${file} lists jobs: run it with tmuxorch run ${file}, or give send one {"command": …}`,
      { file },
    );
  const parsed = taskFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'top level';
    throw new TaskFileError(`task file ${file}: ${field}: ${issue?.message ?? 'invalid'}`, { file, field });
  }
  const { command, timeout, priority, retries } = parsed.data;
  let timeoutMs: number | undefined;
  try {
    // Seconds as a number are rounded to whole ms, as state.json and the RPC schema require.
    if (timeout !== undefined)
      timeoutMs =
        typeof timeout === 'number'
          ? parseDuration(`${timeout * 1000}ms`, 'timeout')
          : parseDuration(timeout, 'timeout');
  } catch (error) {
    // A bad duration is the file's fault, not the command line's.
    throw new TaskFileError(`task file ${file}: timeout: ${(error as Error).message}`, {
      file,
      field: 'timeout',
    });
  }
  return {
    command,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(priority ? { priority } : {}),
    ...(retries !== undefined ? { retries } : {}),
  };
}
