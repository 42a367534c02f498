// `flow clean RUN`: a finished run's worktrees go, but never with work in them. A worktree is
// removed (with its branch) only once its branch is merged into the run's base branch or pushed;
// anything else is kept, and the answer says why, one line each.
import { UsageError } from '../../domain/errors.js';
import { isRunDone, type RunRecord } from '../../domain/workflow/workflow-run.js';
import type { WorkflowSpec } from '../../domain/workflow/workflow-spec.js';
import type { RunFiles } from '../../infrastructure/workflow/run-files.js';
import type { Workspaces } from './workflow-ports.js';

export interface CleanEntry {
  readonly path: string;
  readonly branch: string | null;
  readonly removed: boolean;
  readonly reason: string;
}

export interface CleanReport {
  readonly id: string;
  readonly removed: readonly CleanEntry[];
  readonly kept: readonly CleanEntry[];
}

export async function cleanRun(
  run: RunRecord,
  spec: WorkflowSpec | null,
  files: RunFiles,
  workspaces: Workspaces,
  // Retention's dry run: what would be removed, with every check, and nothing removed.
  options: { readonly dryRun?: boolean } = {},
): Promise<CleanReport> {
  if (!isRunDone(run.status))
    throw new UsageError(`run ${run.id} is ${run.status}: cancel it or let it end before cleaning it`, {
      id: run.id,
    });
  const into = run.base.branch;
  const places = new Map<string, { path: string; branch: string | null; kind: string }>();
  for (const step of run.steps) {
    const ws = step.workspace;
    if (ws && ws.kind !== 'project') places.set(ws.path, { path: ws.path, branch: ws.branch, kind: ws.kind });
    // A merge step that ran has an integration worktree of its own.
    if (spec?.steps[step.stepId]?.kind === 'merge') {
      for (let attempt = 1; attempt <= step.attempts; attempt += 1) {
        const suffix = attempt > 1 ? `-${attempt}` : '';
        const path = `${files.worktreeDir(run.id, step.id)}${suffix}`;
        places.set(path, { path, branch: `tmuxorch/${run.id}/_integration${suffix}`, kind: 'worktree' });
      }
    }
  }
  const entries: CleanEntry[] = [];
  for (const place of places.values()) {
    if (place.kind === 'copy' || place.branch === null) {
      entries.push({
        ...place,
        removed: false,
        reason: `a copy of a project that is not a git repository: remove it yourself (rm -rf ${place.path})`,
      });
      continue;
    }
    if (!into) {
      entries.push({
        ...place,
        removed: false,
        reason: 'the run started on a detached HEAD: no branch to check it was merged into',
      });
      continue;
    }
    const outcome = await workspaces.removeWorktree({
      project: run.project,
      path: place.path,
      branch: place.branch,
      into,
      ...(options.dryRun ? { dryRun: true } : {}),
    });
    entries.push({ ...place, ...outcome });
  }
  return { id: run.id, removed: entries.filter((e) => e.removed), kept: entries.filter((e) => !e.removed) };
}
