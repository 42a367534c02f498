// The `prune` use case: what of a home's finished things goes (the pure plan over the candidates
// gathered), then, unless it is a dry run, removing it. A dry run is the same plan and the same
// checks (git's included), so what it lists is what `prune` removes, the home unchanged.
import { parseInput, type OperationRequest } from '../contract/operation-inputs.js';
import { DAY_MS, parseAge } from '../../domain/retention/retention-age.js';
import {
  planRetention,
  type PlannedKeep,
  type PlannedRemoval,
  type RetentionCandidate,
  type RetentionKind,
  type RetentionPolicy,
} from '../../domain/retention/retention-plan.js';
import type { RetentionSettings } from '../../infrastructure/config/settings.js';
import { removeEntry, usageOf } from '../../infrastructure/retention/home-entries.js';
import { gatherCandidates } from './retention-candidates.js';
import type { RetentionSubjects } from './retention-subjects.js';
import { removeWorkflowRun, unmergedWorkOf, type HeldWork } from './workflow-run-retention.js';

// The rules a prune ran with (config.json's retention, or the request's overrides).
export interface PruneRules {
  readonly maxAgeMs: number | null;
  readonly keepRuns: number | null;
  readonly maxBytes: number | null;
  readonly workerLogMaxAgeMs: number | null;
}

export interface PruneReport {
  readonly dryRun: boolean;
  // What went (a dry run: what would go), oldest reasons first.
  readonly removed: readonly PlannedRemoval[];
  readonly kept: readonly PlannedKeep[];
  readonly freedBytes: number;
  // Planned removals that failed (each is in `kept`, its reason `could not remove it: …`).
  readonly failed: number;
  readonly rules: PruneRules;
}

export function rulesOf(settings: RetentionSettings, request: OperationRequest<'prune'>): PruneRules {
  const override = request?.olderThan === undefined ? null : parseAge(request.olderThan);
  const configured = settings.maxAgeDays === null ? null : settings.maxAgeDays * DAY_MS;
  const maxAgeMs = override ?? configured;
  const logDays = settings.workerLogDays * DAY_MS;
  return {
    maxAgeMs,
    keepRuns: request?.keep ?? settings.keepRuns,
    maxBytes: settings.maxBytes,
    // `--older-than` says how old everything must be; otherwise a removed worker's log goes by
    // its own rule, or sooner when the general age is shorter.
    workerLogMaxAgeMs: override ?? (maxAgeMs === null ? logDays : Math.min(maxAgeMs, logDays)),
  };
}

function policyOf(rules: PruneRules): RetentionPolicy {
  const age = rules.maxAgeMs;
  return {
    maxAgeMs: {
      'workflow-run': age,
      'run-report': age,
      'task-output': age,
      'worker-log': rules.workerLogMaxAgeMs,
      'rotated-log': age,
      'queue-job': age,
    },
    keep: {
      'workflow-run': rules.keepRuns,
      'run-report': rules.keepRuns,
      'task-output': null,
      'worker-log': null,
      'rotated-log': null,
      'queue-job': null,
    },
    maxBytes: rules.maxBytes,
  };
}

// The plan, with every workflow run it would remove checked for unmerged work; a run found
// holding some stays, and the plan is made again without it (another may then go by size).
async function planChecked(
  subjects: RetentionSubjects,
  gathered: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  now: number,
) {
  const checked = new Map<string, HeldWork | null>();
  let candidates = gathered;
  for (;;) {
    const plan = planRetention(candidates, policy, now);
    const unchecked = plan.remove.filter((r) => r.kind === 'workflow-run' && !checked.has(r.id));
    if (unchecked.length === 0) return plan;
    for (const run of unchecked) checked.set(run.id, await unmergedWorkOf(subjects, run.id));
    candidates = candidates.map((c) => {
      const held = c.kind === 'workflow-run' ? checked.get(c.id) : null;
      return held ? { ...c, unmergedWork: held } : c;
    });
  }
}

// Removes one planned item; null when it went, else why it stays.
async function removeOne(subjects: RetentionSubjects, item: PlannedRemoval): Promise<string | null> {
  switch (item.kind) {
    case 'workflow-run':
      return removeWorkflowRun(subjects, item.id);
    case 'task-output':
      await subjects.removeTaskFiles(item.id);
      return null;
    case 'queue-job':
      return (await subjects.removeJob(item.id)) ? null : 'the job is not finished any more';
    default:
      await removeEntry(item.path);
      return null;
  }
}

export async function pruneHome(
  subjects: RetentionSubjects,
  request: OperationRequest<'prune'>,
  now: number,
): Promise<PruneReport> {
  const input = parseInput('prune', request);
  const rules = rulesOf(subjects.settings.retention, input);
  const kinds: ReadonlySet<RetentionKind> | null = input?.kinds ? new Set(input.kinds) : null;
  const sized = rules.maxBytes !== null;
  const gathered = (await gatherCandidates(subjects, now, sized)).filter(
    (c) => kinds === null || kinds.has(c.kind),
  );
  const plan = await planChecked(subjects, gathered, policyOf(rules), now);
  // Without a size rule the runs were not measured: those that go are, now.
  const planned = await Promise.all(
    plan.remove.map(async (r) =>
      r.kind === 'workflow-run' && !sized ? { ...r, bytes: (await usageOf(r.path)).bytes } : r,
    ),
  );
  const dryRun = input?.dryRun ?? false;
  if (dryRun) {
    const freedBytes = planned.reduce((sum, r) => sum + r.bytes, 0);
    return { dryRun, removed: planned, kept: plan.keep, freedBytes, failed: 0, rules };
  }
  const removed: PlannedRemoval[] = [];
  const kept: PlannedKeep[] = [...plan.keep];
  let failed = 0;
  for (const item of planned) {
    const stays = await removeOne(subjects, item).catch((error: unknown) => {
      failed += 1;
      return `could not remove it: ${error instanceof Error ? error.message : String(error)}`;
    });
    if (stays === null) removed.push(item);
    else kept.push({ kind: item.kind, id: item.id, path: item.path, reason: stays, held: true });
  }
  const freedBytes = removed.reduce((sum, r) => sum + r.bytes, 0);
  return { dryRun, removed, kept, freedBytes, failed, rules };
}
