// A workflow run as the controller keeps it (run.json): the run, one record per step instance (a
// matrix step has one per value), and the rules for moving them. The controller, never a model,
// decides what runs next (workflow-schedule.ts); every change is saved before it acts on it.

export const RUN_STATUSES = ['running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = [
  'pending',
  'running',
  'awaiting_approval',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const LOOP_VERDICTS = ['converged', 'unresolved_at_cap', 'no_progress'] as const;
export type LoopVerdict = (typeof LOOP_VERDICTS)[number];

export type RunMode = 'manual' | 'auto';

// What a waiting gate shows a person, and what was decided. `hashes`: sha256 of each artifact
// shown, taken when the gate opened; an approval holds only while they are unchanged.
export interface GateRecord {
  readonly state: 'waiting' | 'approved' | 'denied';
  // Why the gate is there: the step's own gate, a failure asking a human, a limit, a changed input.
  readonly kind: 'gate' | 'ask_human' | 'limit' | 'merge' | 'diverged';
  readonly message: string;
  readonly hashes: Readonly<Record<string, string>>;
  readonly openedAt: string;
  readonly decidedAt: string | null;
  readonly note: string | null;
  // Who decided: a person (approve/deny), `auto` (auto mode), `timeout`.
  readonly by: 'person' | 'auto' | 'timeout' | null;
  readonly timeoutAt: string | null;
  // What a limit gate or a merge gate decides on: the limit reached, the branch and commit to move.
  readonly limit?: LimitName | undefined;
  readonly move?: { readonly branch: string; readonly head: string } | undefined;
}

export const LIMIT_NAMES = ['wall_time', 'cost_usd', 'agent_turns'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

// The git workspace a step edits in, when it has one of its own.
export interface WorkspaceRecord {
  readonly path: string;
  readonly branch: string | null;
  readonly kind: 'worktree' | 'copy' | 'project';
  // The commit its diff is against (a copy's own first commit; a worktree's is the run's base).
  readonly base?: string | null | undefined;
}

// Why a step runs again: the failing step's output handed back to it.
export interface HandbackRecord {
  readonly from: string;
  readonly output: string;
}

export interface StepRecord {
  // The instance id: the step's id, or `<step>-<n>` for the n-th matrix instance (n from 1).
  readonly id: string;
  readonly stepId: string;
  readonly matrix: Readonly<Record<string, string | number | boolean>> | null;
  readonly status: StepStatus;
  readonly attempts: number;
  // The loop iteration it last ran in (0: not in a loop).
  readonly iteration: number;
  readonly worker: string | null;
  readonly taskId: string | null;
  readonly agentSessionId: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  // A loop's verdict once it has ended.
  readonly verdict: LoopVerdict | null;
  // Declared outputs: name → absolute path (checked to exist, be valid and stay in the step dir).
  readonly outputs: Readonly<Record<string, string>>;
  readonly summary: string | null;
  readonly reason: string | null;
  readonly exitCode: number | null;
  // The last lines the step printed (what a handback or a prompt template passes on).
  readonly outputTail: string | null;
  readonly gate: GateRecord | null;
  readonly workspace: WorkspaceRecord | null;
  readonly handback: HandbackRecord | null;
  // How many times a failure was handed back to this step, or retried.
  readonly handbacks: number;
  readonly retries: number;
  // Loop bookkeeping: what failed in the last iterations (no-progress detection).
  readonly signatures: readonly string[];
  // The hash of what the step ran with (prompt or command, inputs): resume compares it.
  readonly inputHash: string | null;
  readonly costUsd: number | null;
  // What its role did not allow it to change (a policy_violation), and how many secrets were
  // found and redacted in what it left (absent in runs of earlier versions).
  readonly violations?: readonly string[] | undefined;
  readonly secretsRedacted?: number | undefined;
}

export interface RunRecord {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly mode: RunMode;
  readonly project: string;
  readonly base: { readonly sha: string | null; readonly branch: string | null };
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly specHash: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly keepWorkers: boolean;
  readonly reason: string | null;
  readonly costUsd: number;
  readonly agentTurns: number;
  // A gate of the run itself (a limit reached): no new step starts while it waits.
  readonly gate: GateRecord | null;
  // The limits a person approved at a limit gate, once per approval: each allows as much again.
  readonly limitApprovals: readonly LimitName[];
  // Step instances in plan order.
  readonly steps: readonly StepRecord[];
  // The audit log's last line when this was saved (its number and sha256): `flow audit --verify`
  // catches a cut log or a changed last line against it.
  readonly auditHead?: { readonly seq: number; readonly hash: string } | null;
  // The queue job (and attempt) that started it (`<job-id>:<attempt>`, domain/queue/job.ts), so a
  // daemon killed before it recorded the run's id on the job finds the run by it.
  readonly job?: string | null | undefined;
}

// A run as it starts: running, nothing spent, no gate.
export function newRunRecord(
  start: Pick<
    RunRecord,
    | 'id'
    | 'name'
    | 'mode'
    | 'project'
    | 'base'
    | 'inputs'
    | 'specHash'
    | 'startedAt'
    | 'keepWorkers'
    | 'steps'
  >,
): RunRecord {
  return {
    ...start,
    status: 'running',
    finishedAt: null,
    reason: null,
    costUsd: 0,
    agentTurns: 0,
    gate: null,
    limitApprovals: [],
  };
}

export function isStepDone(status: StepStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'skipped' || status === 'cancelled';
}

export function isRunDone(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

export function newStepRecord(id: string, stepId: string, matrix: StepRecord['matrix'] = null): StepRecord {
  return {
    id,
    stepId,
    matrix,
    status: 'pending',
    attempts: 0,
    iteration: 0,
    worker: null,
    taskId: null,
    agentSessionId: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    verdict: null,
    outputs: {},
    summary: null,
    reason: null,
    exitCode: null,
    outputTail: null,
    gate: null,
    workspace: null,
    handback: null,
    handbacks: 0,
    retries: 0,
    signatures: [],
    inputHash: null,
    costUsd: null,
  };
}

// A step made ready to run again (a retry, a handback, the next loop iteration): what it produced
// last time is cleared; its workspace, worker and conversation are kept.
export function resetStep(step: StepRecord, changes: Partial<StepRecord> = {}): StepRecord {
  return {
    ...step,
    status: 'pending',
    taskId: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    outputs: {},
    summary: null,
    reason: null,
    exitCode: null,
    gate: null,
    verdict: null,
    ...changes,
  };
}

// The run's status from its steps: waiting when a gate waits and nothing runs.
export function runStatusOf(run: RunRecord): RunStatus {
  if (isRunDone(run.status)) return run.status;
  const steps = run.steps;
  if (steps.some((s) => s.status === 'running' || s.status === 'pending')) {
    const running = steps.some((s) => s.status === 'running');
    const waiting = steps.some((s) => s.status === 'awaiting_approval') || run.gate?.state === 'waiting';
    return waiting && !running ? 'awaiting_approval' : 'running';
  }
  if (steps.some((s) => s.status === 'awaiting_approval')) return 'awaiting_approval';
  return 'running';
}

// The last `lines` lines of a task's output, at most `chars` characters.
export function outputTail(output: string | null, lines = 40, chars = 4_000): string {
  if (!output) return '';
  const tail = output.trimEnd().split('\n').slice(-lines).join('\n');
  return tail.length > chars ? tail.slice(-chars) : tail;
}
