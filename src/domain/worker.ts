// The Worker entity and its state machine.
//
//   starting ──► idle ◄──► busy
//      │          │          │
//      └──────────┴────┬─────┘
//                      ▼
//                    dead ──► reviving ──► starting
//                      │          │
//                      └────┬─────┘
//                           ▼
//                         failed            (restart limit reached; `revive` starts it again)
//   any ──► stopped                         (removed by the user)
import type { WorkerPolicy } from './policy/worker-policy.js';
import { assertTransition, type TransitionTable } from './transition.js';

export const WORKER_STATES = ['starting', 'idle', 'busy', 'dead', 'reviving', 'failed', 'stopped'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

// The built-in types; config.json may add more (agents/registry.ts), so a type is a string.
export const WORKER_TYPES = ['shell', 'sim', 'claude', 'codex', 'gemini', 'opencode', 'aider'] as const;
export type WorkerType = string;
export const WORKER_TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

// How an agent worker takes tasks: its headless mode run in the pane's shell per task, or its TUI
// living in the pane. Shell workers are always 'one-shot' (a task is a command).
export const WORKER_MODES = ['one-shot', 'interactive'] as const;
export type WorkerMode = (typeof WORKER_MODES)[number];

// What an agent worker reported that keeps it from working normally (shown as its state).
export const AGENT_CONDITIONS = [
  'auth_required',
  'trust_prompt',
  'rate_limited',
  'awaiting_approval',
] as const;
export type AgentCondition = (typeof AGENT_CONDITIONS)[number];

export interface Worker {
  readonly id: string;
  readonly name: string;
  readonly type: WorkerType;
  readonly project: string;
  // Non-secret environment only; secret values never reach state (see redact.ts).
  readonly env: Readonly<Record<string, string>>;
  // Names of secret variables the worker receives from the controller's environment.
  readonly secretEnv: readonly string[];
  readonly state: WorkerState;
  readonly paneId: string | null;
  readonly windowId: string | null;
  readonly restarts: number;
  // Epoch ms of recent automatic restarts, for the restart policy.
  readonly restartHistory: readonly number[];
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly mode: WorkerMode;
  // The role's name ('default': none) and, when it has one, the rules it holds (policy/).
  readonly role: string;
  readonly policy: WorkerPolicy | null;
  // The model its agent runs (null: the CLI's default).
  readonly model: string | null;
  // What the worker waits for a person to answer (a command its role asks about), or null.
  readonly pendingApproval: PendingApproval | null;
  // Asks that came while one was pending (an agent's tool calls run in parallel): each is shown
  // and answered in turn, and its hook waits for its own answer meanwhile.
  readonly queuedApprovals: readonly PendingApproval[];
  // The agent's conversation: chosen before the agent first runs where the CLI lets us (so a
  // revived worker resumes it), else read from its first result.
  readonly agentSessionId: string | null;
  readonly agentSessionStarted: boolean;
  readonly agentCondition: AgentCondition | null;
  // When a rate limit resets (ISO), while agentCondition is 'rate_limited'.
  readonly conditionUntil: string | null;
}

export interface PendingApproval {
  readonly id: string;
  // What asks: the worker's role (a command, a tool call), or the budget (a limit reached
  // holds its next agent task, application/budget/budget-gate.ts).
  readonly kind: 'policy' | 'budget';
  // The task or the agent's tool call it is about.
  readonly taskId: string | null;
  readonly question: string;
  readonly since: string;
  // Set once answered, for a tool hook that polls for its answer.
  readonly answer: 'approved' | 'denied' | null;
}

// The worker once its pending approval is done with (answered and used, or its task ended): the
// next queued ask, if any, is shown.
export function withApprovalDone(worker: Worker): Worker {
  const [next, ...rest] = worker.queuedApprovals;
  return { ...worker, pendingApproval: next ?? null, queuedApprovals: rest };
}

// The agent fields of a worker that has none of them (a shell worker, or an agent not yet run).
export const NO_AGENT_STATE = {
  mode: 'one-shot',
  role: 'default',
  policy: null,
  model: null,
  pendingApproval: null,
  queuedApprovals: [],
  agentSessionId: null,
  agentSessionStarted: false,
  agentCondition: null,
  conditionUntil: null,
} as const satisfies Partial<Worker>;

const ALLOWED: TransitionTable<WorkerState> = {
  starting: ['idle', 'dead', 'stopped', 'failed'],
  idle: ['busy', 'dead', 'stopped', 'starting'],
  busy: ['idle', 'dead', 'stopped'],
  dead: ['reviving', 'failed', 'stopped'],
  reviving: ['starting', 'dead', 'failed', 'stopped'],
  failed: ['reviving', 'stopped'],
  stopped: [],
};

export function canTransitionWorker(from: WorkerState, to: WorkerState): boolean {
  return ALLOWED[from].includes(to);
}

// Returns the worker in its new state, or throws INVALID_TRANSITION.
export function transitionWorker(
  worker: Worker,
  to: WorkerState,
  changes: Partial<Omit<Worker, 'id' | 'state'>> = {},
): Worker {
  assertTransition(ALLOWED, worker.state, to, `worker ${worker.name}`, { workerId: worker.id });
  return { ...worker, ...changes, state: to };
}

// A worker that can take a task now.
export function isDispatchable(worker: Pick<Worker, 'state' | 'paneId'>): boolean {
  return worker.state === 'idle' && worker.paneId !== null;
}

// Until when a rate-limited agent worker must not be given a task (epoch ms), or null.
export function rateLimitedUntil(
  worker: Pick<Worker, 'agentCondition' | 'conditionUntil'>,
  nowMs: number,
): number | null {
  if (worker.agentCondition !== 'rate_limited' || worker.conditionUntil === null) return null;
  const until = Date.parse(worker.conditionUntil);
  return until > nowMs ? until : null;
}

// A worker the health sweep should look after (not removed, not given up on).
export function isSupervised(worker: Pick<Worker, 'state'>): boolean {
  return worker.state !== 'stopped' && worker.state !== 'failed';
}

// Worker names become tmux window names and file names: keep them plain.
export const WORKER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;
