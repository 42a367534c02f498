// A finished workflow run goes with its worktrees and branches, under `flow clean`'s rule
// (workflows/run-clean.ts): a worktree and its branch go only once the branch is merged into the
// run's base branch or pushed. A run with any worktree that must stay is kept whole: its
// directory holds the worktree (flows/<run>/worktrees/<step>), and its records say what it was.
import { removeEntry } from '../../infrastructure/retention/home-entries.js';
import { cleanRun } from '../workflows/run-clean.js';
import type { RetentionSubjects } from './retention-subjects.js';

export interface HeldWork {
  readonly path: string;
  readonly why: string;
}

function heldBy(report: { kept: readonly { path: string; reason: string }[] }): HeldWork | null {
  const first = report.kept[0];
  if (!first) return null;
  const more = report.kept.length > 1 ? ` (and ${report.kept.length - 1} more)` : '';
  return { path: first.path, why: `${first.reason}${more}` };
}

async function clean(s: RetentionSubjects, runId: string, dryRun: boolean) {
  const run = await s.runFiles.requireRun(runId);
  const lock = await s.runFiles.readLock(runId).catch(() => null);
  return cleanRun(run, lock?.spec ?? null, s.runFiles, s.workspaces, { dryRun });
}

// The work in the run that is nowhere else, if any (every check, nothing removed). A run whose
// worktrees cannot be checked (its project gone, git failing) counts as holding work.
export async function unmergedWorkOf(s: RetentionSubjects, runId: string): Promise<HeldWork | null> {
  try {
    return heldBy(await clean(s, runId, true));
  } catch (error) {
    return {
      path: s.runFiles.dir(runId),
      why: `its worktrees could not be checked (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

// Removes the run's merged worktrees and branches, then its directory; null when it went, else
// why it stays (work found since the plan, or the engine took the run up again).
export async function removeWorkflowRun(s: RetentionSubjects, runId: string): Promise<string | null> {
  if (s.isRunActive(runId)) return 'the run is going again';
  const held = heldBy(await clean(s, runId, false));
  if (held) return `unmerged work in ${held.path}: ${held.why}`;
  if (s.isRunActive(runId)) return 'the run is going again';
  await removeEntry(s.runFiles.dir(runId));
  return null;
}
