// `tmuxorch prune`: retention by hand (application/retention/). Through the daemon when one runs,
// so it never races the daemon's own writes; without one, in this process, with the home's lock
// held (as `recover` does) so no daemon starts half-way through.
import type { Command } from 'commander';
import { DaemonNotRunningError, UsageError } from '../../../domain/errors.js';
import { formatAge, formatBytes } from '../../../domain/retention/retention-age.js';
import { RETENTION_KINDS, type RetentionKind } from '../../../domain/retention/retention-plan.js';
import type { OperationRequest } from '../../../application/contract/operation-inputs.js';
import type { PruneReport } from '../../../application/retention/prune-home.js';
import type { CliContext } from '../context.js';
import { withHomeLocked } from '../offline.js';
import { ExitRequest } from '../exit-codes.js';
import { collect, parseCount } from '../parse.js';

interface PruneFlags {
  dryRun?: boolean;
  olderThan?: string;
  keep?: string;
  kind?: string[];
}

function parseKinds(values: readonly string[]): RetentionKind[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => {
      const kind = RETENTION_KINDS.find((k) => k === v.trim());
      if (!kind) throw new UsageError(`--kind is one of ${RETENTION_KINDS.join(', ')} (got "${v}")`, {});
      return kind;
    });
}

function rulesLine(report: PruneReport): string {
  const { rules } = report;
  const parts = [
    rules.maxAgeMs === null ? null : `older than ${formatAge(rules.maxAgeMs)}`,
    rules.keepRuns === null ? null : `beyond the newest ${rules.keepRuns} runs`,
    rules.maxBytes === null ? null : `over ${formatBytes(rules.maxBytes)} in all`,
    rules.workerLogMaxAgeMs === null
      ? null
      : `removed workers' logs after ${formatAge(rules.workerLogMaxAgeMs)}`,
  ].filter((p) => p !== null);
  const none =
    rules.maxAgeMs === null && rules.keepRuns === null && rules.maxBytes === null
      ? ' (no age, count or size rule is set: config set retention.maxAgeDays N, or --older-than 7d)'
      : '';
  return `rules: ${parts.join('; ')}${none}`;
}

export function describePrune(report: PruneReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines = report.removed.map(
    (r) =>
      `${verb}  ${r.kind.padEnd(12)} ${r.id.padEnd(24)} ${formatBytes(r.bytes).padStart(10)}  ${formatAge(r.ageMs).padStart(5)}  ${r.reason}  ${r.path}`,
  );
  const held = report.kept.filter((k) => k.held);
  for (const k of held) lines.push(`kept  ${k.kind.padEnd(12)} ${k.id.padEnd(24)} ${k.reason}`);
  const others = report.kept.length - held.length;
  lines.push(
    `${report.dryRun ? 'would free' : 'freed'} ${formatBytes(report.freedBytes)} (${report.removed.length} ${report.removed.length === 1 ? 'item' : 'items'}); kept ${held.length} unfinished or holding work, ${others} by the rules${report.failed > 0 ? `; ${report.failed} could not be removed` : ''}`,
  );
  lines.push(rulesLine(report));
  return lines.join('\n');
}

// No daemon: the same use case in this process, over the home's files, with its lock held.
async function pruneInProcess(ctx: CliContext, input: OperationRequest<'prune'>): Promise<PruneReport> {
  const [{ pruneHome }, { offlineSubjects }] = await Promise.all([
    import('../../../application/retention/prune-home.js'),
    import('../../../application/retention/retention-subjects.js'),
  ]);
  return withHomeLocked(ctx, async (settings) =>
    pruneHome(await offlineSubjects(settings), input, Date.now()),
  );
}

export function registerPrune(program: Command, ctx: CliContext): void {
  program
    .command('prune')
    .description(
      "remove finished workflow runs, run reports, task outputs, queue jobs and removed workers' logs past the retention rules (config.json retention); never anything unfinished, never a worktree holding unmerged work",
    )
    .option('--dry-run', 'list what would go, remove nothing')
    .option(
      '--older-than <age>',
      'finished things older than this go (7d, 12h, 30m, 0s): instead of retention.maxAgeDays',
    )
    .option(
      '--keep <n>',
      'keep at most the newest N finished workflow runs and run reports: instead of retention.keepRuns',
    )
    .option('--kind <kind>', `only these kinds (repeatable): ${RETENTION_KINDS.join(', ')}`, collect)
    .action(async (opts: PruneFlags) => {
      const input: OperationRequest<'prune'> = {
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(opts.olderThan !== undefined ? { olderThan: opts.olderThan.trim() } : {}),
        ...(opts.keep !== undefined ? { keep: parseCount(opts.keep, '--keep', 1_000_000) } : {}),
        ...(opts.kind ? { kinds: parseKinds(opts.kind) } : {}),
      };
      let report: PruneReport;
      try {
        report = await ctx.call('prune', input);
      } catch (error) {
        if (!(error instanceof DaemonNotRunningError)) throw error;
        report = await pruneInProcess(ctx, input);
      }
      ctx.print(report, () => describePrune(report));
      if (report.failed > 0) throw new ExitRequest(1);
    });
}
