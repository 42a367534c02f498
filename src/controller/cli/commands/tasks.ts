// send, result, cancel, logs.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { redactTokenShapes } from '../../../domain/redact.js';
import { TIMEOUT_EXIT_CODE } from '../../../domain/task.js';
import { cleanLine } from '../../../domain/terminal-text.js';
import type { TaskResult } from '../../../application/contract/views.js';
import { formatDuration } from '../output.js';
import { DaemonBackend } from '../../daemon-backend.js';
import type { CliContext } from '../context.js';
import { ExitRequest } from '../exit-codes.js';
import { nonEmpty, parseCount, parseDuration, parsePriority } from '../parse.js';
import type { TaskSpec } from '../task-file.js';

// The exit code `send --wait` and `result` end with: the task's own, 124 on timeout, 1 otherwise.
export function exitCodeOf(result: TaskResult): number {
  if (result.status === 'succeeded') return 0;
  if (result.status === 'timed_out') return TIMEOUT_EXIT_CODE;
  if (result.status === 'failed') return result.exitCode ?? 1;
  return 1;
}

function describe(result: TaskResult, ctx: CliContext): string {
  const s = ctx.out;
  const status = result.status === 'succeeded' ? s.green(result.status) : s.red(result.status);
  const lines = [
    `${s.bold(result.id)} on ${result.worker}: ${status}, exit ${result.exitCode ?? '-'}, ${formatDuration(result.durationMs)}`,
  ];
  if (result.reason) lines.push(s.dim(`  ${result.reason}`));
  return lines.join('\n');
}

function printResult(result: TaskResult, ctx: CliContext): void {
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  // An agent task shows the agent's answer; its raw output (JSON) stays in `result --json`.
  const text = result.agent?.text ?? result.output;
  if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  if (result.agent?.costUsd != null) process.stderr.write(`  cost $${result.agent.costUsd}\n`);
  process.stderr.write(`${describe(result, ctx)}\n`);
}

// Waits for a task over the daemon socket; if the daemon restarts meanwhile, reconnects and
// keeps waiting (the task goes on in its pane and the new daemon collects it).
async function waitForTask(ctx: CliContext, id: string): Promise<TaskResult> {
  const backend = DaemonBackend.lazy(ctx.settings.paths);
  try {
    return await backend.wait(id);
  } finally {
    await backend.close();
  }
}

export function registerTasks(program: Command, ctx: CliContext): void {
  program
    .command('send <worker> [command...]')
    .description('give a worker a task: tmuxorch send <worker> [--wait] -- <command>')
    .option('--wait', "wait for the task, print its output and exit with the task's exit code")
    .option('--timeout <duration>', 'stop the task after this long (30s, 5m, 1500ms): Ctrl-C, then timed_out')
    .option('--priority <priority>', 'critical, high, normal or low', 'normal')
    .option('--retries <n>', 'run again this many times if its worker dies under it', '0')
    .option('--file <file>', 'read the task from a file (a .json or .yaml task spec, or a shell script)')
    .action(
      async (
        worker: string,
        words: string[],
        opts: { wait?: boolean; timeout?: string; priority: string; retries: string; file?: string },
      ) => {
        let spec: TaskSpec;
        if (opts.file !== undefined) {
          nonEmpty(opts.file, '--file', 'a file');
          if (words.length > 0) throw new UsageError('give the command after -- or in --file, not both', {});
          const { readTaskFile } = await import('../task-file.js');
          spec = await readTaskFile(opts.file);
        } else {
          if (words.length === 0)
            throw new UsageError('no command given: tmuxorch send <worker> -- <command>', {});
          spec = { command: words.join(' ') };
        }
        const params = {
          worker,
          command: spec.command,
          priority: spec.priority ?? parsePriority(opts.priority),
          timeoutMs:
            opts.timeout !== undefined
              ? parseDuration(opts.timeout, '--timeout')
              : (spec.timeoutMs ?? undefined),
          retries: spec.retries ?? parseCount(opts.retries, '--retries', 100),
        };
        const queued = await ctx.call('send', params);
        if (!opts.wait) {
          ctx.print({ id: queued.id }, () => queued.id);
          return;
        }
        const result = await waitForTask(ctx, queued.id);
        printResult(result, ctx);
        throw new ExitRequest(exitCodeOf(result));
      },
    );

  program
    .command('result <task>')
    .description("a task's status, exit code, output and duration")
    .option('--wait', 'wait until the task has finished')
    .action(async (id: string, opts: { wait?: boolean }) => {
      const result = opts.wait ? await waitForTask(ctx, id) : await ctx.call('result', { id });
      printResult(result, ctx);
      if (result.status !== 'queued' && result.status !== 'running' && result.status !== 'succeeded') {
        throw new ExitRequest(exitCodeOf(result));
      }
    });

  program
    .command('cancel <task>')
    .description('cancel a queued task, or interrupt a running one (Ctrl-C)')
    .action(async (id: string) => {
      const result = await ctx.call('cancel', { id });
      ctx.print(result, () => `${result.id}: ${result.status}`);
    });

  program
    .command('logs <target>')
    .description("a worker's pane log, or a task's output")
    .option('-f, --follow', 'keep printing as output arrives (Ctrl-C to stop)')
    .option('--raw', 'keep terminal escape sequences')
    .option('--lines <n>', 'only the last n lines (before following)')
    .action(async (target: string, opts: { follow?: boolean; raw?: boolean; lines?: string }) => {
      const log = await ctx.call('logFile', { target });
      // The log is redacted as it is written (worker/log-filter.ts); key shapes are cut out again
      // here for a log written without the filter (no perl, or by an older tmuxorch).
      const clean = (text: string): string =>
        redactTokenShapes(opts.raw ? text : text.split('\n').map(cleanLine).join('\n'));
      let offset = log.offset;
      const size = await stat(log.file).then(
        (s) => s.size,
        () => 0,
      );
      if (opts.lines !== undefined) {
        const keep = parseCount(opts.lines, '--lines', 1_000_000);
        const text = await readRange(log.file, offset, size);
        const lines = text.split('\n');
        process.stdout.write(clean(lines.slice(Math.max(0, lines.length - keep - 1)).join('\n')));
      } else process.stdout.write(clean(await readRange(log.file, offset, size)));
      offset = size;
      if (!opts.follow || !log.running) return;
      for (;;) {
        await new Promise((r) => setTimeout(r, 200));
        const now = await stat(log.file).then(
          (s) => s.size,
          () => offset,
        );
        if (now > offset) {
          process.stdout.write(clean(await readRange(log.file, offset, now)));
          offset = now;
        }
      }
    });
}

async function readRange(file: string, start: number, end: number): Promise<string> {
  if (end <= start) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start, end: end - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
