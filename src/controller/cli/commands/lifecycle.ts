// start, stop, and the hidden `daemon` entry the detached process runs. The daemon's modules
// (winston, execa, the whole application layer) load only here, not for every CLI call.
import type { Command } from 'commander';
import type { DaemonView } from '../../../application/contract/views.js';
import type { CliContext } from '../context.js';
import { ExitRequest } from '../exit-codes.js';

function attachHint(daemon: DaemonView): string {
  return daemon.tmuxSocket
    ? `tmux -L ${daemon.tmuxSocket} attach -t ${daemon.session}`
    : `tmux attach -t ${daemon.session}`;
}

export function registerLifecycle(program: Command, ctx: CliContext, cliPath: string): void {
  program
    .command('start')
    .description('start the controller daemon and the tmux session (idempotent)')
    .option('--foreground', 'run the daemon in this process (for systemd and the like)')
    .action(async (opts: { foreground?: boolean }) => {
      if (opts.foreground) {
        const { runDaemon } = await import('../../daemon.js');
        const code = await runDaemon({ settings: await ctx.withUserConfig(), cliPath, foreground: true });
        throw new ExitRequest(code);
      }
      const { startDaemon } = await import('../../daemon-launcher.js');
      // A bad config.json is reported here, as one sentence, rather than by a daemon that died.
      const settings = await ctx.withUserConfig();
      const { daemon, alreadyRunning } = await startDaemon(settings, cliPath);
      ctx.print({ ...daemon, alreadyRunning }, () => {
        const s = ctx.out;
        const verb = alreadyRunning ? 'already running' : 'started';
        return [
          `${s.green('✓')} tmuxorch daemon ${verb} (pid ${daemon.pid}, home ${daemon.home})`,
          `  watch it live: ${s.bold(attachHint(daemon))}`,
          `  add a worker:  tmuxorch add-worker --type shell --project <dir>`,
        ].join('\n');
      });
    });

  program
    .command('stop')
    .description('stop the controller daemon (workers keep running unless --kill-workers)')
    .option('--kill-workers', 'also close the tmux session and every worker in it')
    .action(async (opts: { killWorkers?: boolean }) => {
      const { stopDaemon } = await import('../../daemon-launcher.js');
      const daemon = await stopDaemon(ctx.settings, opts.killWorkers === true);
      ctx.print({ stopped: daemon !== null, pid: daemon?.pid ?? null }, () =>
        daemon ? `tmuxorch daemon stopped (pid ${daemon.pid})` : 'tmuxorch daemon was not running',
      );
    });

  program
    .command('daemon', { hidden: true })
    .description('run the controller daemon in the foreground (what `start` spawns)')
    .action(async () => {
      const { runDaemon } = await import('../../daemon.js');
      // The file this daemon's `start` reads; not for the tmux server and panes to inherit.
      const reportFile = process.env.TMUXORCH_START_REPORT;
      delete process.env.TMUXORCH_START_REPORT;
      const code = await runDaemon({
        settings: await ctx.withUserConfig(),
        cliPath,
        foreground: false,
        reportFile,
      });
      throw new ExitRequest(code);
    });
}
