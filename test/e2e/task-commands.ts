// Tasks through the CLI, as the e2e tests give them: `send` with and without --wait, and
// `result --wait`.
import { expect } from 'vitest';
import type { TaskResult } from '../../src/application/contract/views.js';
import type { CliFleet, CliRun } from '../helpers/cli.js';
import { runJson } from './support.js';

// Every field a task result has, whatever its status.
export const TASK_RESULT_FIELDS = [
  'id',
  'worker',
  'status',
  'exitCode',
  'output',
  'startedAt',
  'finishedAt',
  'durationMs',
] as const;

// `send` without --wait: prints the task id.
export async function sendTask(
  fleet: CliFleet,
  worker: string,
  command: string,
  extra: readonly string[] = [],
): Promise<string> {
  const { exitCode, body } = await runJson<{ id: string }>(fleet, ['send', worker, ...extra, '--', command]);
  expect(exitCode, JSON.stringify(body)).toBe(0);
  expect(body.id).toMatch(/\S/);
  return body.id;
}

export async function waitResult(
  fleet: CliFleet,
  id: string,
): Promise<{ exitCode: number; result: TaskResult }> {
  const { exitCode, body } = await fleet.json<TaskResult>(['result', '--wait', id]);
  return { exitCode, result: body };
}

// `send --wait` (`extra` goes before the `--`): the finished task and the command's exit code.
export async function sendWait(
  fleet: CliFleet,
  worker: string,
  prompt: string,
  extra: readonly string[] = [],
): Promise<{ exitCode: number; body: TaskResult; run: CliRun }> {
  return runJson<TaskResult>(fleet, ['send', worker, '--wait', ...extra, '--', prompt]);
}
