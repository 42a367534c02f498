// `send --file F`: a JSON task ({"command", "timeout", "priority", "retries"}) or, for any other
// extension, a shell script whose text is the command. Validated before anything is sent.
import { readFile } from 'node:fs/promises';
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
  if (!file.endsWith('.json')) {
    if (text.trim() === '') throw new TaskFileError(`task file ${file} is empty`, { file });
    return { command: text.replace(/\n$/, '') };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TaskFileError(`task file ${file} is not valid JSON (${(error as Error).message})`, { file });
  }
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
