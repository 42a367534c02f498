// `tmuxorch run`: a command (or an agent task) in many projects at once, one pane each, then a
// report. A thin layer over Fleet.runParallel (see run-action.ts, loaded only for this command).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { collect } from '../parse.js';
import type { RunFlags } from '../run-action.js';
import { EXIT_INTERRUPTED } from '../exit-codes.js';

export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run [jobs-file]')
    .description('run a command or agent task in many projects in parallel, one pane each, and report')
    .option('--project <dir>', 'a project to run in (repeat for more)', collect)
    .option('--cmd <command>', 'the command to run in each project (the prompt, for an agent --type)')
    .option('--type <type>', 'worker type: shell (default), or an agent such as sim, claude, codex')
    .option('--concurrency <n>', 'jobs at once (default: all, capped by the maxWorkers setting)')
    .option('--timeout <duration>', 'stop a job after this long (30s, 5m): it ends timed_out, exit 124')
    .option('--retries <n>', 'run a job that did not succeed again, up to n more times')
    .option('--fail-fast', 'after the first job that fails, cancel the others and skip the rest')
    .option('--keep-workers', "leave each job's worker and pane open afterwards, to look at")
    .option('--env <KEY=VALUE>', 'environment for every job (repeatable; KEY alone: from here)', collect)
    .option('--junit <file>', 'also write the report as JUnit XML to this file')
    .option('--out <dir>', "keep the run's outputs and reports here (default <home>/runs/<run id>)")
    .option('--ephemeral', 'use a controller of its own in a session of its own, even if the daemon runs')
    .option('--quiet', 'no progress on stderr')
    .action(async (file: string | undefined, flags: RunFlags) => {
      // The first signal stops the run and cleans up (cancel, remove workers, close the session);
      // a third one leaves at once, for a cleanup that hangs (tmux not answering).
      const abort = new AbortController();
      let signals = 0;
      const onSignal = (): void => {
        signals += 1;
        if (signals === 1) abort.abort();
        else if (signals === 2)
          process.stderr.write('tmuxorch: still cleaning up; Ctrl-C once more to leave now\n');
        else {
          process.stderr.write('tmuxorch: left without cleaning up: its session and workers may still run\n');
          process.exit(EXIT_INTERRUPTED);
        }
      };
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
      // Progress is best effort: a closed terminal (SIGHUP, EIO) must not stop the cleanup.
      const ignore = (): void => undefined;
      process.stderr.on('error', ignore);
      try {
        const { runJobs } = await import('../run-action.js');
        await runJobs(ctx, file, flags, abort.signal);
      } finally {
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
        process.stderr.off('error', ignore);
      }
    });
}
