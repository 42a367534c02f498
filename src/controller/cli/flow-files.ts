// `flow status`, `list`, `logs` and `audit` when no daemon runs: a run's state is its files, so
// they are read from <home>/flows/ directly (what a stopped daemon left is what it would say).
import { DaemonNotRunningError } from '../../domain/errors.js';
import {
  toRunSummary,
  toRunView,
  type RunSummary,
  type RunView,
} from '../../domain/workflow/workflow-view.js';
import type { OperationOutput } from '../../application/contract/operations.js';
import { runAudit as auditOf } from '../../infrastructure/workflow/audit-log.js';
import { RunFiles } from '../../infrastructure/workflow/run-files.js';
import type { CliContext } from './context.js';

async function orFromFiles<T>(
  ctx: CliContext,
  ask: () => Promise<T>,
  read: (files: RunFiles) => Promise<T>,
): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (!(error instanceof DaemonNotRunningError)) throw error;
    return read(new RunFiles(ctx.settings.paths.flowsDir));
  }
}

export function runStatus(ctx: CliContext, id: string): Promise<RunView> {
  return orFromFiles(
    ctx,
    () => ctx.call('flowStatus', { id }),
    async (files) => toRunView(await files.requireRun(id)),
  );
}

export function runList(ctx: CliContext): Promise<{ runs: RunSummary[] }> {
  return orFromFiles(
    ctx,
    () => ctx.call('flowList', {}),
    async (files) => ({ runs: (await files.listRuns()).map(toRunSummary) }),
  );
}

export function runAudit(ctx: CliContext, id: string): Promise<OperationOutput<'flowAudit'>> {
  return orFromFiles(
    ctx,
    () => ctx.call('flowAudit', { id }),
    async (files) => auditOf(files.auditFile(id), await files.requireRun(id)),
  );
}
