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
import { InvalidTransitionError } from './errors.js';

export const WORKER_STATES = ['starting', 'idle', 'busy', 'dead', 'reviving', 'failed', 'stopped'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export const WORKER_TYPES = ['shell', 'sim', 'claude', 'codex', 'gemini', 'opencode', 'aider'] as const;
export type WorkerType = (typeof WORKER_TYPES)[number];

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
}

const ALLOWED: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
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
  if (!canTransitionWorker(worker.state, to)) {
    throw new InvalidTransitionError(`worker ${worker.name} cannot go from ${worker.state} to ${to}`, {
      workerId: worker.id,
      from: worker.state,
      to,
    });
  }
  return { ...worker, ...changes, state: to };
}

// A worker that can take a task now.
export function isDispatchable(worker: Pick<Worker, 'state' | 'paneId'>): boolean {
  return worker.state === 'idle' && worker.paneId !== null;
}

// A worker the health sweep should look after (not removed, not given up on).
export function isSupervised(worker: Pick<Worker, 'state'>): boolean {
  return worker.state !== 'stopped' && worker.state !== 'failed';
}

// Worker names become tmux window names and file names: keep them plain.
export const WORKER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;
