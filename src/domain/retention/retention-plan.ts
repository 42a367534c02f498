// Which of a home's finished things go: a pure function of what is there, the policy and the
// time, so the daemon's schedule, `tmuxorch prune` and `prune --dry-run` decide alike (the dry
// run is the same plan, not acted on). Gathering the candidates and deleting them is I/O
// (application/retention/); nothing here reads a file or a clock.
//
// The rules, in order:
//  1. never anything unfinished (a run still going, a task queued or running, a job not done);
//  2. never anything holding work that is nowhere else (a worktree whose branch is neither merged
//     nor pushed): kept with the reason `unmerged work in <path>`;
//  3. what a rule outside retention already dropped (a task past keepFinishedTasks) goes;
//  4. per kind, beyond the newest `keep` finished ones, or older than `maxAgeMs`, goes;
//  5. then, while everything together is over `maxBytes`, the oldest removable thing goes.
import { formatAge, formatBytes } from './retention-age.js';

export const RETENTION_KINDS = [
  // flows/<run>/: a finished workflow run, its worktrees and branches (only when merged or pushed)
  'workflow-run',
  // runs/<id>/: a `tmuxorch run` report directory
  'run-report',
  // state/tasks/<id>/: a finished task's script and output files
  'task-output',
  // logs/workers/<id>.log(.1) of a worker that was removed
  'worker-log',
  // logs/workers/<id>.log.1: the rotated generation of a live worker's log
  'rotated-log',
  // queue/jobs/<id>.json: a done or failed queue job
  'queue-job',
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

export interface RetentionCandidate {
  readonly kind: RetentionKind;
  readonly id: string;
  readonly path: string;
  readonly bytes: number;
  // When it finished (ms since the epoch); its last write when nothing says more.
  readonly finishedAt: number;
  // Why it is not finished (a run running, a task queued): it stays, whatever the rules say.
  readonly unfinished?: string | undefined;
  // Work in it that is nowhere else: it stays.
  readonly unmergedWork?: { readonly path: string; readonly why: string } | undefined;
  // Dropped already by a rule outside retention (why): it goes, whatever the policy.
  readonly superseded?: string | undefined;
}

type PerKind<T> = { readonly [K in RetentionKind]: T };

export interface RetentionPolicy {
  // Per kind: finished things older than this go (null: no age rule for that kind).
  readonly maxAgeMs: PerKind<number | null>;
  // Per kind: finished things beyond the newest N go (null: no count rule).
  readonly keep: PerKind<number | null>;
  // Everything together (held things included) above this: the oldest removable go first.
  readonly maxBytes: number | null;
}

export interface PlannedRemoval {
  readonly kind: RetentionKind;
  readonly id: string;
  readonly path: string;
  readonly bytes: number;
  readonly ageMs: number;
  readonly reason: string;
}

export interface PlannedKeep {
  readonly kind: RetentionKind;
  readonly id: string;
  readonly path: string;
  readonly reason: string;
  // Held by rule 1 or 2 (it would stay under any policy), not merely young or within the count.
  readonly held: boolean;
}

export interface RetentionPlan {
  readonly remove: readonly PlannedRemoval[];
  readonly keep: readonly PlannedKeep[];
  readonly bytes: number;
}

export function noRetentionRules(policy: RetentionPolicy): boolean {
  return (
    policy.maxBytes === null &&
    Object.values(policy.maxAgeMs).every((age) => age === null) &&
    Object.values(policy.keep).every((n) => n === null)
  );
}

// Why a removable candidate goes under rule 4, or why it stays (null reason: it goes).
function byAgeOrCount(
  candidate: RetentionCandidate,
  rank: number,
  policy: RetentionPolicy,
  now: number,
): { goes: boolean; reason: string } {
  const keep = policy.keep[candidate.kind];
  const maxAge = policy.maxAgeMs[candidate.kind];
  const age = now - candidate.finishedAt;
  if (keep !== null && rank >= keep) return { goes: true, reason: `beyond the newest ${keep}` };
  if (maxAge !== null && age >= maxAge) return { goes: true, reason: `older than ${formatAge(maxAge)}` };
  if (maxAge !== null) return { goes: false, reason: `newer than ${formatAge(maxAge)}` };
  if (keep !== null) return { goes: false, reason: `within the newest ${keep}` };
  return { goes: false, reason: 'no age, count or size rule for it' };
}

export function planRetention(
  candidates: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  now: number,
): RetentionPlan {
  const remove: PlannedRemoval[] = [];
  const keep: PlannedKeep[] = [];
  const removal = (c: RetentionCandidate, reason: string): PlannedRemoval => ({
    kind: c.kind,
    id: c.id,
    path: c.path,
    bytes: c.bytes,
    ageMs: Math.max(0, now - c.finishedAt),
    reason,
  });
  const kept = (c: RetentionCandidate, reason: string, held: boolean): PlannedKeep => ({
    kind: c.kind,
    id: c.id,
    path: c.path,
    reason,
    held,
  });
  // Newest first within a kind: the rank is how many finished ones of its kind are newer.
  const ordered = [...candidates].sort((a, b) => b.finishedAt - a.finishedAt || a.id.localeCompare(b.id));
  const ranks = new Map<RetentionKind, number>();
  const young: { candidate: RetentionCandidate; reason: string }[] = [];
  for (const c of ordered) {
    if (c.unfinished !== undefined) keep.push(kept(c, c.unfinished, true));
    else if (c.unmergedWork !== undefined)
      keep.push(kept(c, `unmerged work in ${c.unmergedWork.path}: ${c.unmergedWork.why}`, true));
    else if (c.superseded !== undefined) remove.push(removal(c, c.superseded));
    else {
      const rank = ranks.get(c.kind) ?? 0;
      ranks.set(c.kind, rank + 1);
      const verdict = byAgeOrCount(c, rank, policy, now);
      if (verdict.goes) remove.push(removal(c, verdict.reason));
      else young.push({ candidate: c, reason: verdict.reason });
    }
  }
  const total = candidates.reduce((sum, c) => sum + c.bytes, 0);
  let left = total - remove.reduce((sum, r) => sum + r.bytes, 0);
  // Rule 5: oldest first (young is newest first, so from its end).
  for (let i = young.length - 1; i >= 0; i -= 1) {
    const entry = young[i];
    if (!entry) continue;
    if (policy.maxBytes !== null && left > policy.maxBytes) {
      remove.push(removal(entry.candidate, `over the size cap of ${formatBytes(policy.maxBytes)}`));
      left -= entry.candidate.bytes;
    } else keep.push(kept(entry.candidate, entry.reason, false));
  }
  return { remove, keep, bytes: total };
}
