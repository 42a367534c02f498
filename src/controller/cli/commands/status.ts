// status (once, or live with --watch as window 0 runs it) and health-check.
import type { Command } from 'commander';
import { renderStatus } from '../../status-view.js';
import type { CliContext } from '../context.js';
import { ExitRequest } from '../exit-codes.js';
import { stylerFor, table } from '../output.js';

const WATCH_INTERVAL_MS = 1_000;

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('the daemon, the workers and recent tasks (--json for scripts)')
    .option('--watch', 'redraw every second (window 0 of the session runs this)')
    .action(async (opts: { watch?: boolean }) => {
      if (!opts.watch) {
        const view = await ctx.call('status');
        ctx.print(view, () => renderStatus(view, ctx.out));
        return;
      }
      await watch(ctx);
    });

  program
    .command('health-check')
    .description('check every worker now; exits 1 if any is dead or failed')
    .action(async () => {
      const report = await ctx.call('healthCheck');
      const view = await ctx.call('status');
      const unhealthy = view.workers.filter(
        (w) => w.state === 'dead' || w.state === 'failed' || w.state === 'reviving',
      );
      ctx.print(
        { ...report, workers: view.workers, healthy: report.complete && unhealthy.length === 0 },
        () => {
          const s = ctx.out;
          if (!report.complete) return s.yellow(`health unknown: ${report.reason ?? 'tmux did not answer'}`);
          const rows = view.workers.map((w) => [
            w.name,
            w.state,
            w.paneId ?? '-',
            String(w.restarts),
            w.lastError ?? '',
          ]);
          return table(['WORKER', 'STATE', 'PANE', 'RESTARTS', 'LAST ERROR'], rows);
        },
      );
      if (!report.complete || unhealthy.length > 0) throw new ExitRequest(1);
    });
}

// Redraws until interrupted; tolerates the daemon being down (it says so and keeps trying).
async function watch(ctx: CliContext): Promise<never> {
  const styler = stylerFor(process.stdout);
  for (;;) {
    let text: string;
    try {
      const view = await ctx.call('status', { withOutput: false });
      const rows = process.stdout.rows ?? 40;
      text = renderStatus(view, styler, Math.max(3, rows - view.workers.length - 10));
    } catch (error) {
      text = styler.yellow(`tmuxorch daemon not reachable (${(error as Error).message}); retrying...`);
    }
    // Home, overwrite each line, clear the rest: no flicker, unlike clearing the whole screen.
    const lines = text.split('\n').map((line) => `${line}\x1b[K`);
    process.stdout.write(`\x1b[H${lines.join('\n')}\n\x1b[J`);
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
  }
}
