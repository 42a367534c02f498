// Commands that work on a home's files when no daemon runs (`prune`, `flow clean`): the same use
// case in this process, with the home's lock held for the whole of it, so a daemon that starts
// meanwhile waits rather than races it. A lock held by a daemon that does not answer is a usage
// error naming its pid.
import { UsageError } from '../../domain/errors.js';
import type { Settings } from '../../infrastructure/config/settings.js';
import type { CleanReport } from '../../application/workflows/run-clean.js';
import type { CliContext } from './context.js';

export async function withHomeLocked<T>(
  ctx: CliContext,
  work: (settings: Settings) => Promise<T>,
): Promise<T> {
  const [lock, pid, home] = await Promise.all([
    import('../../infrastructure/process/home-lock.js'),
    import('../../infrastructure/process/pid-file.js'),
    import('../../infrastructure/config/private-home.js'),
  ]);
  const settings = await ctx.withUserConfig();
  home.preparePrivateHome(settings.paths);
  const held = lock.tryLockHome(settings.paths.lockFile);
  if (held === null) {
    const holder = await pid.readPidFile(settings.paths.pidFile);
    throw new UsageError(
      `a tmuxorch daemon holds ${settings.home}${holder !== null ? ` (pid ${holder})` : ''} but does not answer: try again once it has started`,
      { pid: holder },
    );
  }
  try {
    return await work(settings);
  } finally {
    held.release();
  }
}

// No daemon: the run's files read here, under the home's lock (no run can be going then).
export async function cleanRunOffline(ctx: CliContext, id: string): Promise<CleanReport> {
  const [{ cleanRun }, { RunFiles }, { GitWorkspaces }] = await Promise.all([
    import('../../application/workflows/run-clean.js'),
    import('../../infrastructure/workflow/run-files.js'),
    import('../../infrastructure/git/git-workspaces.js'),
  ]);
  return withHomeLocked(ctx, async (settings) => {
    const files = new RunFiles(settings.paths.flowsDir);
    const report = await cleanRun(
      await files.requireRun(id),
      (await files.readLock(id))?.spec ?? null,
      files,
      new GitWorkspaces(),
    );
    await files.appendLog(id, `clean: removed ${report.removed.length}, kept ${report.kept.length}`);
    return report;
  });
}
