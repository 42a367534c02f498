// `tmuxorch doctor`: checks this machine in-process (no daemon needed) and says what to do.
import type { Command } from 'commander';
import type { DoctorCheck } from '../../../application/agents/doctor.js';
import type { CliContext } from '../context.js';
import { ExitRequest } from '../exit-codes.js';
import { collect } from '../parse.js';
import { table } from '../output.js';

export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check tmux and each agent CLI (installed, version, login, screens); exits 1 on a problem')
    .option('--type <type>', 'check only this agent type; repeatable', collect, [])
    .option('--no-canary', "skip starting each agent's TUI in a scratch pane")
    .action(async (opts: { type: string[]; canary: boolean }) => {
      const [
        { runDoctor },
        { ProfileRegistry },
        { installSimCommand },
        { ExecTransport },
        { TmuxServer },
        env,
      ] = await Promise.all([
        import('../../../application/agents/doctor.js'),
        import('../../../domain/agents/registry.js'),
        import('../../../infrastructure/process/bundled-agent.js'),
        import('../../../infrastructure/tmux/exec-transport.js'),
        import('../../../infrastructure/tmux/server.js'),
        import('../../../infrastructure/process/environment.js'),
      ]);
      const settings = await ctx.withUserConfig();
      const profiles = new ProfileRegistry(settings.agents);
      for (const type of opts.type) profiles.require(type);
      const binDir = await installSimCommand(`${settings.paths.stateDir}/bin`);
      const server = new TmuxServer(
        new ExecTransport({ socket: settings.socket, env: env.tmuxProcessEnv(process.env) }),
      );
      if (!ctx.json)
        process.stderr.write('checking tmux and the agent CLIs (canaries take a few seconds each)…\n');
      const checks = await runDoctor({
        profiles,
        server,
        path: `${binDir}:${process.env.PATH ?? ''}`,
        env: process.env,
        canary: opts.canary,
        ...(opts.type.length > 0 ? { types: opts.type } : {}),
      });
      const healthy = checks.every((c) => c.status !== 'fail' && c.status !== 'warn');
      ctx.print({ healthy, checks }, () => render(ctx, checks));
      if (!healthy) throw new ExitRequest(1);
    });
}

function render(ctx: CliContext, checks: readonly DoctorCheck[]): string {
  const s = ctx.out;
  const mark = (c: DoctorCheck): string =>
    c.status === 'ok'
      ? s.green('ok')
      : c.status === 'skip'
        ? s.dim('skip')
        : c.status === 'warn'
          ? s.yellow('warn')
          : s.red('FAIL');
  const rows = checks.map((c) => [c.subject, c.check, mark(c), c.detail]);
  const fixes = checks.filter((c) => c.fix && c.status !== 'ok').map((c) => `  ${c.subject}: ${c.fix ?? ''}`);
  return [
    table(['SUBJECT', 'CHECK', 'STATUS', 'DETAIL'], rows),
    ...(fixes.length ? ['', 'What to do:', ...fixes] : []),
  ].join('\n');
}
