// What runs next: the controller's decision, made from the run's records alone (never from what
// a model says). A pending step starts once every step it needs is done and its join rule and
// `if:` allow it, else it is skipped with the reason; a step in a loop waits for its loop's
// iteration; a loop whose steps are all done this iteration is handed back to decide on.
import { dependenciesOf, instancesOf, loopOf } from './run-graph.js';
import { isStepDone, type RunRecord, type RunStatus, type StepRecord } from './workflow-run.js';
import type { WorkflowSpec } from './workflow-spec.js';

export const DEFAULT_MAX_PARALLEL = 4;

export type Decision =
  | { readonly kind: 'start'; readonly step: string }
  | { readonly kind: 'skip'; readonly step: string; readonly reason: string }
  | { readonly kind: 'loop_end'; readonly loop: string };

// A failed step whose on_failure is `continue` counts as succeeded for those after it.
export function countsAsSucceeded(spec: WorkflowSpec, step: StepRecord): boolean {
  if (step.status === 'succeeded') return true;
  return step.status === 'failed' && spec.steps[step.stepId]?.on_failure.then === 'continue';
}

function joinAllows(spec: WorkflowSpec, step: StepRecord, deps: readonly StepRecord[]): string | null {
  const rule = spec.steps[step.stepId]?.join ?? 'all_succeeded';
  if (rule === 'all_done' || deps.length === 0) return null;
  const ok = deps.filter((d) => countsAsSucceeded(spec, d));
  if (rule === 'any_succeeded') return ok.length > 0 ? null : 'none of the steps it needs succeeded';
  const missed = deps.filter((d) => !countsAsSucceeded(spec, d)).map((d) => `${d.id} ${d.status}`);
  return missed.length === 0 ? null : `a step it needs did not succeed (${missed.join(', ')})`;
}

// `condition` evaluates the step's `if:` (true when it has none).
export function decide(
  spec: WorkflowSpec,
  run: RunRecord,
  condition: (step: StepRecord, deps: readonly StepRecord[]) => boolean,
): Decision[] {
  const decisions: Decision[] = [];
  const byId = new Map(run.steps.map((s) => [s.id, s]));
  // A matrix step's `max-parallel`: how many of its instances may run at once.
  const running = new Map<string, number>();
  for (const s of run.steps)
    if (s.status === 'running') running.set(s.stepId, (running.get(s.stepId) ?? 0) + 1);
  for (const step of run.steps) {
    if (step.status !== 'pending') continue;
    const loop = loopOf(spec, step.stepId);
    if (loop !== null) {
      const container = byId.get(loop);
      if (container?.status !== 'running' || step.iteration !== container.iteration) continue;
    }
    const deps = dependenciesOf(spec, run.steps, step);
    if (!deps.every((d) => isStepDone(d.status))) continue;
    const blocked = joinAllows(spec, step, deps);
    if (blocked !== null) {
      decisions.push({ kind: 'skip', step: step.id, reason: blocked });
      continue;
    }
    if (!condition(step, deps)) {
      decisions.push({
        kind: 'skip',
        step: step.id,
        reason: `its if: (${spec.steps[step.stepId]?.if ?? ''}) is false`,
      });
      continue;
    }
    // A matrix without max-parallel runs at most 4 at once: each instance is an agent and a window.
    const stepSpec = spec.steps[step.stepId];
    const cap =
      stepSpec?.['max-parallel'] ?? (stepSpec?.matrix !== undefined ? DEFAULT_MAX_PARALLEL : undefined);
    const now = running.get(step.stepId) ?? 0;
    if (cap !== undefined && now >= cap) continue;
    running.set(step.stepId, now + 1);
    decisions.push({ kind: 'start', step: step.id });
  }
  for (const step of run.steps) {
    const spec_ = spec.steps[step.stepId];
    if (step.status !== 'running' || spec_?.kind !== 'loop') continue;
    const members = spec_.loop.steps.flatMap((id) => instancesOf(run.steps, id));
    if (members.every((m) => isStepDone(m.status) && m.iteration === step.iteration))
      decisions.push({ kind: 'loop_end', loop: step.id });
  }
  return decisions;
}

// The run's end, once nothing is pending, running or waiting: null while something is.
export function runOutcome(spec: WorkflowSpec, run: RunRecord): RunStatus | null {
  if (run.steps.some((s) => !isStepDone(s.status))) return null;
  if (run.steps.some((s) => s.status === 'cancelled')) return 'cancelled';
  const failed = run.steps.some((s) => s.status === 'failed' && !countsAsSucceeded(spec, s));
  return failed ? 'failed' : 'succeeded';
}

// A loop iteration's fingerprint, in two parts: which of its steps failed and how (their output
// tails with timings and hex ids masked), and what its editing steps changed (their patches'
// hashes, `patches`: instance → sha256). Parts are split by a NUL; older runs kept the first only.
export function iterationSignature(
  members: readonly StepRecord[],
  patches: Readonly<Record<string, string>> = {},
): string {
  const failed = members
    .filter((m) => m.status === 'failed')
    .map(
      (m) =>
        `${m.id}:${(m.outputTail ?? m.reason ?? '').replace(/\b\d+(\.\d+)?\s*(ms|s|m)\b|\b[0-9a-f]{7,}\b/g, '#')}`,
    );
  const changed = Object.entries(patches)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, hash]) => `${id}#${hash}`);
  return `${failed.join('\n')}\u0000${changed.join('\n')}`;
}

// Why a failed iteration made no progress since the one before, or null: the same failure (the
// same failing tests, the same error) or the same change (the coder's diff did not move).
export function noProgressReason(
  previous: string | undefined,
  current: string,
  iteration: number,
): string | null {
  if (previous === undefined) return null;
  const [failedBefore = '', changedBefore] = previous.split('\u0000');
  const [failedNow = '', changedNow = ''] = current.split('\u0000');
  if (failedNow !== '' && failedNow === failedBefore)
    return `iteration ${iteration} failed the same way as the one before`;
  if (changedBefore !== undefined && changedNow !== '' && changedNow === changedBefore)
    return `iteration ${iteration} changed nothing new: the same diff as the one before`;
  return null;
}
