// What `flow status --json` and `fleet.workflow(id)` give: the run and one entry per step
// instance, with the fields the contract names (application/contract/output-contract.ts).
import type { GateRecord, RunRecord, StepRecord } from './workflow-run.js';

export interface StepView {
  readonly id: string;
  readonly status: StepRecord['status'];
  readonly attempts: number;
  readonly iteration: number;
  readonly worker: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly verdict: StepRecord['verdict'];
  readonly outputs: Readonly<Record<string, string>>;
  readonly gate: {
    readonly state: GateRecord['state'];
    readonly kind: GateRecord['kind'];
    readonly message: string;
    readonly hashes: Readonly<Record<string, string>>;
  } | null;
  readonly reason: string | null;
  readonly summary: string | null;
  readonly workspace: string | null;
  readonly branch: string | null;
  // The paths its role did not allow it to change (a policy_violation), and the secrets found
  // and redacted in what it left.
  readonly violations: readonly string[];
  readonly secretsRedacted: number;
}

export interface RunView {
  readonly id: string;
  readonly name: string;
  readonly status: RunRecord['status'];
  readonly mode: RunRecord['mode'];
  readonly project: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly reason: string | null;
  readonly gate: { readonly state: GateRecord['state']; readonly message: string } | null;
  readonly steps: readonly StepView[];
  readonly costUsd: number;
  readonly agentTurns: number;
}

// A run in progress as window 0 and `status` show it.
export interface FlowLine {
  readonly id: string;
  readonly name: string;
  readonly status: RunRecord['status'];
  readonly running: readonly string[];
  readonly waiting: readonly string[];
}

export function toFlowLine(run: RunRecord): FlowLine {
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    running: run.steps.filter((s) => s.status === 'running').map((s) => s.id),
    waiting: [
      ...(run.gate?.state === 'waiting' ? ['(limit)'] : []),
      ...run.steps.filter((s) => s.gate?.state === 'waiting').map((s) => s.id),
    ],
  };
}

export interface RunSummary {
  readonly id: string;
  readonly name: string;
  readonly status: RunRecord['status'];
  readonly startedAt: string;
}

function gateView(gate: GateRecord | null): StepView['gate'] {
  return gate ? { state: gate.state, kind: gate.kind, message: gate.message, hashes: gate.hashes } : null;
}

export function toRunView(run: RunRecord): RunView {
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    mode: run.mode,
    project: run.project,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    inputs: run.inputs,
    reason: run.reason,
    gate: run.gate ? { state: run.gate.state, message: run.gate.message } : null,
    steps: run.steps.map((s) => ({
      id: s.id,
      status: s.status,
      attempts: s.attempts,
      iteration: s.iteration,
      worker: s.worker,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      durationMs: s.durationMs,
      verdict: s.verdict,
      outputs: s.outputs,
      gate: gateView(s.gate),
      reason: s.reason,
      summary: s.summary,
      workspace: s.workspace?.path ?? null,
      branch: s.workspace?.branch ?? null,
      violations: s.violations ?? [],
      secretsRedacted: s.secretsRedacted ?? 0,
    })),
    costUsd: run.costUsd,
    agentTurns: run.agentTurns,
  };
}

export function toRunSummary(run: RunRecord): RunSummary {
  return { id: run.id, name: run.name, status: run.status, startedAt: run.startedAt };
}
