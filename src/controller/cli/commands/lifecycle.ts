// start, stop, and the hidden `daemon` entry the detached process runs. The daemon's modules
// (winston, execa, the whole application layer) load only here, not for every CLI call.
import type { Command } from 'commander';
import type { DaemonView } from '../../../application/contract/views.js';
import { UsageError } from '../../../domain/errors.js';
import { parseHttpListen, withHttpListen, type Settings } from '../../../infrastructure/config/settings.js';
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
    .option(
      '--http <[host:]port>',
      'also serve the HTTP API there (default host 127.0.0.1; port 0: any free port); tokens: tmuxorch token create',
    )
    .option('--insecure-bind', 'let --http listen beyond this machine without TLS (warned about)')
    .action(async (opts: { foreground?: boolean; http?: string; insecureBind?: boolean }) => {
      if (opts.insecureBind && opts.http === undefined)
        throw new UsageError('--insecure-bind goes with --http [HOST:]PORT: see tmuxorch start --help', {});
      const listen =
        opts.http === undefined
          ? null
          : { ...parseHttpListen(opts.http), insecureBind: opts.insecureBind === true };
      // A bad config.json is reported here, as one sentence, rather than by a daemon that died.
      const loaded = await ctx.withUserConfig();
      const settings: Settings = listen ? withHttpListen(loaded, listen, listen.insecureBind) : loaded;
      if (settings.http) {
        const { checkBind, isLoopbackHost } = await import('../../http/http-server.js');
        checkBind(settings.http.host, settings.http.tls ?? undefined, settings.http.insecureBind);
        if (!isLoopbackHost(settings.http.host) && !settings.http.tls)
          process.stderr.write(
            `tmuxorch: warning: the HTTP API listens on ${settings.http.host} without TLS: tokens cross the network in clear text\n`,
          );
      }
      if (opts.foreground) {
        const { runDaemon } = await import('../../daemon.js');
        const code = await runDaemon({ settings, cliPath, foreground: true });
        throw new ExitRequest(code);
      }
      const { startDaemon } = await import('../../daemon-launcher.js');
      const { daemon, alreadyRunning } = await startDaemon(settings, cliPath, listen);
      ctx.print({ ...daemon, alreadyRunning }, () => {
        const s = ctx.out;
        const verb = alreadyRunning ? 'already running' : 'started';
        return [
          `${s.green('✓')} tmuxorch daemon ${verb} (pid ${daemon.pid}, home ${daemon.home})`,
          ...(daemon.http ? [`  HTTP API:      ${daemon.http} (tokens: tmuxorch token create)`] : []),
          ...(listen && !daemon.http ? ['  (it serves no HTTP API: tmuxorch stop, then start --http)'] : []),
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
      const { HTTP_ENV } = await import('../../daemon-launcher.js');
      const httpListen = process.env[HTTP_ENV];
      delete process.env[HTTP_ENV];
      const loaded = await ctx.withUserConfig();
      const code = await runDaemon({
        settings: httpListen ? withListenFromEnv(loaded, httpListen) : loaded,
        cliPath,
        foreground: false,
        reportFile,
      });
      throw new ExitRequest(code);
    });
}

// The `--http` a `start` handed its daemon (JSON: host, port, insecureBind).
function withListenFromEnv(settings: Settings, text: string): Settings {
  const parsed = JSON.parse(text) as { host?: unknown; port?: unknown; insecureBind?: unknown };
  if (typeof parsed.host !== 'string' || typeof parsed.port !== 'number')
    throw new UsageError('the daemon was handed a bad HTTP listen address (a bug)', {});
  return withHttpListen(settings, { host: parsed.host, port: parsed.port }, parsed.insecureBind === true);
}
