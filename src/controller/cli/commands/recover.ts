// `tmuxorch recover`: repairs a home whose state the daemon refused (STATE_CORRUPT) or that is
// suspected behind its logs, with the daemon stopped. Runs in-process; see application/fleet/recover.ts.
import type { Command } from 'commander';
import type { RecoverReport } from '../../../application/fleet/recover.js';
import { UsageError } from '../../../domain/errors.js';
import type { CliContext } from '../context.js';

function summary(r: RecoverReport): string {
  const src = (name: string, s: RecoverReport['sources']['state']): string =>
    s.present ? `  ${name}: ${s.records} records kept, ${s.skipped} unreadable skipped` : `  ${name}: absent`;
  const list = (label: string, items: readonly string[]): string[] =>
    items.length > 0
      ? [`  ${label} (${items.length}): ${items.slice(0, 20).join(', ')}${items.length > 20 ? ', …' : ''}`]
      : [];
  return [
    `recovered ${r.home}: ${r.workers} workers, ${r.tasks} tasks`,
    src('state.json', r.sources.state),
    src('state.json.bak', r.sources.backup),
    src('journal', r.sources.journal),
    ...list('collected from the pane logs', r.collected),
    ...list('left for the daemon to collect (agent tasks)', r.leftToCollect),
    ...list('still running', r.running),
    ...list('queued again', r.requeued),
    ...list('lost', r.lost),
    ...list('workers without a pane (revived at start)', r.deadWorkers),
    ...list('extra tagged panes closed', r.closedPanes),
    ...list('removed workers not brought back', r.droppedWorkers),
    ...list('kept aside', r.keptAside),
    'next: tmuxorch start',
  ].join('\n');
}

export function registerRecover(program: Command, ctx: CliContext): void {
  program
    .command('recover')
    .description('rebuild a clean state from every intact record and the pane logs (daemon stopped)')
    .action(async () => {
      const [{ recoverHome }, { ExecTransport }, { TmuxServer }, env, pid, lock, fs] = await Promise.all([
        import('../../../application/fleet/recover.js'),
        import('../../../infrastructure/tmux/exec-transport.js'),
        import('../../../infrastructure/tmux/server.js'),
        import('../../../infrastructure/process/environment.js'),
        import('../../../infrastructure/process/pid-file.js'),
        import('../../../infrastructure/process/home-lock.js'),
        import('../../../infrastructure/config/private-home.js'),
      ]);
      const settings = await ctx.withUserConfig();
      fs.preparePrivateHome(settings.paths);
      // The daemon's own lock: held while recovering, so no daemon starts half-way through and
      // a running one (whatever its pid file says) is seen for certain.
      const held = lock.tryLockHome(settings.paths.lockFile);
      if (held === null) {
        const holder = await pid.readPidFile(settings.paths.pidFile);
        throw new UsageError(
          `a tmuxorch daemon is running for ${settings.home}${holder !== null ? ` (pid ${holder})` : ''}: run tmuxorch stop first, then tmuxorch recover`,
          { pid: holder },
        );
      }
      let report: RecoverReport;
      try {
        const server = new TmuxServer(
          new ExecTransport({ socket: settings.socket, env: env.tmuxProcessEnv(process.env) }),
        );
        const { TaskFiles } = await import('../../../infrastructure/tasks/task-files.js');
        report = await recoverHome(settings, server, new TaskFiles(settings.paths));
      } finally {
        held.release();
      }
      ctx.print(report, () => summary(report));
    });
}
