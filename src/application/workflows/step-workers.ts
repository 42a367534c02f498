// Which step a fleet worker belongs to, and which worker of a run waits on a person: what the
// engine needs to route an answer (flow approve) and a policy decision (its audit) to a run.
import type { RunRecord, StepRecord } from '../../domain/workflow/workflow-run.js';
import { workerName } from './step-attempts.js';

// The step of the run a worker runs. A step's first task is held (by its role or the budget)
// while it is being sent, before its record names the worker: its name is matched too.
export function stepOfWorker(run: RunRecord, worker: string): StepRecord | undefined {
  return run.steps.find((s) => s.worker === worker || workerName(run, s) === worker);
}

// The worker of a running step of the run that waits on a person (its role or the budget asked),
// when no gate waits that the same step (or, with no step named, the run) could mean.
export function askingWorker(
  run: RunRecord,
  workers: readonly { readonly name: string; readonly awaitingApproval: string | null }[],
  step: string | undefined,
): string | null {
  const gateWaits =
    (step === undefined && run.gate?.state === 'waiting') ||
    run.steps.some((s) => s.gate?.state === 'waiting' && (step === undefined || s.id === step));
  if (gateWaits) return null;
  const running = new Set(
    run.steps
      .filter((s) => s.status === 'running' && (step === undefined || s.id === step))
      .map((s) => s.worker),
  );
  const asking = workers.filter((w) => running.has(w.name) && w.awaitingApproval !== null);
  return asking.length === 1 ? (asking[0]?.name ?? null) : null;
}
