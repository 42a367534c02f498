// add-worker, remove-worker, list, revive, capture, attach.
import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { socketArgs } from '../../../infrastructure/tmux/transport.js';
import { renderWorkers } from '../../status-view.js';
import type { CliContext } from '../context.js';
import { ExitRequest } from '../exit-codes.js';
import { collect, nonEmpty, parseCount, parseEnvPairs, parseProject, parseWorkerType } from '../parse.js';

export function registerWorkers(program: Command, ctx: CliContext): void {
  program
    .command('add-worker')
    .description('spawn a worker (one tmux window) in a project directory')
    .requiredOption('--type <type>', 'shell, sim, claude, codex, gemini, opencode or aider')
    .requiredOption('--project <dir>', 'the directory the worker runs in')
    .option('--name <name>', 'a name to address the worker by (default: <type>-<dir name>)')
    .option(
      '--role <role>',
      "the role it holds (planner, coder, tester, reviewer, security, integrator, or config.json's): its rules are enforced on what it runs (tmuxorch roles show ROLE)",
    )
    .option('--model <model>', "the model its agent runs (the CLI's --model; default: the CLI's own)")
    .option('--interactive', 'an agent worker with its TUI in the pane (tasks are pasted); default: one-shot')
    .option(
      '--env <KEY=VALUE>',
      "environment for the worker; repeatable; KEY alone passes this shell's value",
      collect,
      [],
    )
    .action(
      async (opts: {
        type: string;
        project: string;
        name?: string;
        role?: string;
        model?: string;
        interactive?: boolean;
        env: string[];
      }) => {
        const worker = await ctx.call('addWorker', {
          type: parseWorkerType(opts.type),
          project: parseProject(opts.project),
          ...(opts.name !== undefined ? { name: nonEmpty(opts.name, '--name', 'a name') } : {}),
          ...(opts.role !== undefined ? { role: opts.role } : {}),
          ...(opts.model !== undefined ? { model: opts.model } : {}),
          ...(opts.interactive ? { interactive: true } : {}),
          env: parseEnvPairs(opts.env),
        });
        ctx.print(
          worker,
          () =>
            `${ctx.out.green('✓')} worker ${ctx.out.bold(worker.name)} (${worker.id}) is ${worker.state} in pane ${worker.paneId ?? '-'}`,
        );
      },
    );

  for (const [name, approve] of [
    ['approve', true],
    ['deny', false],
  ] as const) {
    program
      .command(`${name} <worker>`)
      .description(
        `${approve ? 'approve' : 'deny'} what a worker waits on (its state: awaiting_approval): a command or tool call its role asks about, or an interactive agent's question`,
      )
      .action(async (worker: string) => {
        const view = await ctx.call(name, { worker });
        ctx.print(view, () => `${ctx.out.green('✓')} ${approve ? 'approved' : 'denied'} for ${view.name}`);
      });
  }

  program
    .command('remove-worker <worker>')
    .description('stop a worker: cancels its tasks and closes its window')
    .option('--keep-pane', 'leave the pane open (no longer managed)')
    .action(async (worker: string, opts: { keepPane?: boolean }) => {
      const removed = await ctx.call('removeWorker', {
        worker,
        keepPane: opts.keepPane === true,
      });
      ctx.print(removed, () => `worker ${removed.name} removed`);
    });

  program
    .command('list')
    .description('list the workers')
    .action(async () => {
      const workers = await ctx.call('list');
      ctx.print(workers, () => renderWorkers(workers, ctx.out));
    });

  program
    .command('revive <worker>')
    .description('start a dead or failed worker again (resets its restart limit)')
    .action(async (worker: string) => {
      const revived = await ctx.call('revive', { worker });
      ctx.print(
        revived,
        () =>
          `worker ${revived.name} is ${revived.state} (pane ${revived.paneId ?? '-'}, ${revived.restarts} restarts)`,
      );
      if (revived.state === 'dead' || revived.state === 'failed') throw new ExitRequest(1);
    });

  program
    .command('capture <worker>')
    .description("print what a worker's pane shows (its screen, down to the last printed line)")
    .option('--lines <n>', 'print the last n lines the pane printed instead, scrolled-off history included')
    .action(async (worker: string, opts: { lines?: string }) => {
      const lines = opts.lines === undefined ? 0 : parseCount(opts.lines, '--lines', 1_000_000);
      const text = await ctx.call('capture', { worker, lines });
      ctx.print({ worker, text }, () => text);
    });

  program
    .command('attach [worker]')
    .description("attach this terminal to the session (at a worker's window)")
    .action((worker: string | undefined) => attachTo(ctx, worker));
}

// Attaches this terminal to the fleet's session, at a worker's window when one is named.
export async function attachTo(ctx: CliContext, worker: string | undefined): Promise<never> {
  const { settings } = ctx;
  if (!process.stdin.isTTY)
    throw new UsageError('attach needs a terminal: run it from an interactive shell', {});
  const { execa } = await import('execa');
  let target = `=${settings.session}`;
  if (worker) {
    const workers = await ctx.call('list');
    const found = workers.find((w) => w.name === worker || w.id === worker);
    if (!found?.paneId) throw new UsageError(`worker ${worker} has no pane right now`, { worker });
    target = found.paneId;
    await execa('tmux', [...socketArgs(settings.socket), 'select-window', '-t', found.paneId], {
      reject: false,
    });
  }
  const env = { ...process.env };
  delete env.TMUX;
  const result = await execa('tmux', [...socketArgs(settings.socket), 'attach-session', '-t', target], {
    stdio: 'inherit',
    reject: false,
    env,
    extendEnv: false,
  });
  throw new ExitRequest(result.exitCode ?? 1);
}
