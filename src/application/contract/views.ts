// The views `result --json` and `status --json` print, built from the records. Their published
// shape (schemas, JSON Schema) is output-contract.ts, which the compiler holds to these types.
// Add fields, never rename or remove one.
import type { FlowLine } from '../../domain/workflow/workflow-view.js';
import type { AgentResult } from '../../domain/agents/agent-output.js';
import { durationMs, type Task } from '../../domain/task.js';
import { rateLimitedUntil, type Worker } from '../../domain/worker.js';

export interface TaskResult {
  readonly id: string;
  readonly worker: string;
  readonly status: Task['status'];
  readonly exitCode: number | null;
  readonly output: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly command: string;
  readonly priority: Task['priority'];
  readonly attempts: number;
  readonly reason: string | null;
  // An agent task: its prompt, and what the agent reported (null fields where the CLI says nothing).
  readonly prompt: string | null;
  readonly agent: AgentResult | null;
}

export interface WorkerView {
  readonly id: string;
  readonly name: string;
  readonly type: Worker['type'];
  readonly project: string;
  // Worker['state'], or for an idle agent worker what keeps it from working: auth_required,
  // trust_prompt, rate_limited, awaiting_approval.
  readonly state: string;
  readonly mode: Worker['mode'];
  readonly role: Worker['role'];
  readonly sandboxed: boolean;
  readonly model: string | null;
  // The question it waits for a person to answer (`tmuxorch approve` / `deny`), else null.
  readonly awaitingApproval: string | null;
  readonly agentSessionId: string | null;
  // Until when a rate-limited agent worker waits (ISO), else null.
  readonly resumesAt: string | null;
  readonly paneId: string | null;
  readonly restarts: number;
  readonly lastError: string | null;
  readonly queued: number;
  readonly runningTask: string | null;
}

export interface DaemonView {
  readonly pid: number;
  readonly uptimeMs: number;
  readonly socket: string;
  readonly session: string;
  readonly home: string;
  readonly tmuxSocket: string | null;
  readonly version: string;
  // The HTTP API's URL when the daemon serves one (`start --http`), else null.
  readonly http: string | null;
}

export interface StatusView {
  readonly daemon: DaemonView;
  readonly workers: readonly WorkerView[];
  readonly tasks: readonly TaskResult[];
  // The workflow runs in progress.
  readonly workflows: readonly FlowLine[];
}

export function toTaskResult(task: Task, output: string | null): TaskResult {
  return {
    id: task.id,
    worker: task.workerName,
    status: task.status,
    exitCode: task.exitCode,
    output,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
    durationMs: durationMs(task),
    command: task.command,
    priority: task.priority,
    attempts: task.attempts,
    reason: task.reason,
    prompt: task.prompt,
    agent: task.agent,
  };
}

// An idle agent worker shows its condition; a rate limit only until it resets.
function shownState(worker: Worker): string {
  // An interactive agent asking for approval is busy, but waiting on a person: say so.
  if (worker.state === 'busy' && worker.agentCondition === 'awaiting_approval') return 'awaiting_approval';
  // A command or tool call its role asks about, waiting on a person too.
  if (worker.pendingApproval?.answer === null && worker.state !== 'dead' && worker.state !== 'stopped')
    return 'awaiting_approval';
  if (worker.state !== 'idle' || worker.agentCondition === null) return worker.state;
  if (worker.agentCondition === 'rate_limited' && rateLimitedUntil(worker, Date.now()) === null)
    return 'idle';
  return worker.agentCondition;
}

export function toWorkerView(worker: Worker, tasks: readonly Task[]): WorkerView {
  const limit = rateLimitedUntil(worker, Date.now());
  const mine = tasks.filter((t) => t.workerId === worker.id);
  return {
    id: worker.id,
    name: worker.name,
    type: worker.type,
    project: worker.project,
    state: shownState(worker),
    mode: worker.mode,
    role: worker.role,
    sandboxed: worker.policy?.role.sandbox ?? false,
    model: worker.model,
    awaitingApproval: worker.pendingApproval?.answer === null ? worker.pendingApproval.question : null,
    agentSessionId: worker.agentSessionId,
    resumesAt: limit === null ? null : new Date(limit).toISOString(),
    paneId: worker.paneId,
    restarts: worker.restarts,
    lastError: worker.lastError,
    queued: mine.filter((t) => t.status === 'queued').length,
    runningTask: mine.find((t) => t.status === 'running')?.id ?? null,
  };
}
