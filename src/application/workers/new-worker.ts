// The record of a worker about to be added: its name checked, its environment split into plain
// values (kept in state) and secrets (memory only), and, for an agent, the environment its
// profile allows and the conversation id chosen before the agent first runs.
import { refuseBypass, sandboxFor } from '../policy/policy-checks.js';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { nanoid } from 'nanoid';
import type { AgentProfile } from '../../domain/agents/profile.js';
import type { WorkerPolicy } from '../../domain/policy/worker-policy.js';
import {
  AgentNotInstalledError,
  UsageError,
  WorkerExistsError,
  WorkerLimitError,
} from '../../domain/errors.js';
import { isSecretName, isSecretValue } from '../../domain/redact.js';
import { NO_AGENT_STATE, WORKER_NAME_PATTERN, type Worker, type WorkerType } from '../../domain/worker.js';
import { findExecutable } from '../../infrastructure/process/executable.js';
import type { FleetRuntime } from '../fleet/fleet-runtime.js';

export interface AddWorkerInput {
  readonly type: WorkerType;
  readonly project: string;
  readonly name?: string | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  // The role it holds (policy/built-in-roles.ts, config.json's roles): its rules are enforced on
  // the commands sent to it, its agent's CLI flags and tool hook, and its workspace's git.
  readonly role?: string | undefined;
  // A role already resolved, with its place (a workflow step's): takes the place of `role`.
  readonly policy?: WorkerPolicy | undefined;
  // The model its agent runs (the CLI's default when absent).
  readonly model?: string | undefined;
  // The agent's TUI lives in the pane and takes pasted tasks (else: one-shot, headless per task).
  readonly interactive?: boolean | undefined;
}

// A role that runs its agent in a sandbox needs bubblewrap here: refused before anything exists.
export async function checkSandbox(rt: FleetRuntime, input: AddWorkerInput): Promise<void> {
  await sandboxFor(workerPolicy(rt, input), process.env.PATH ?? '');
}

// The rules the worker holds: a workflow's resolved role, or a role named in the request.
function workerPolicy(rt: FleetRuntime, input: AddWorkerInput): WorkerPolicy | null {
  if (input.policy) return input.policy;
  if (input.role === undefined || input.role === 'default') return null;
  const role = rt.roles.require(input.role);
  return { role, workspace: input.project, stepDir: null, asks: 'person', runId: null, stepId: null };
}

const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

function defaultName(rt: FleetRuntime, type: WorkerType, project: string): string {
  const base = `${type}-${basename(project)}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40);
  let name = base;
  for (let i = 2; rt.store.findWorker(name); i++) name = `${base}-${i}`;
  return name;
}

// An agent type whose CLI is missing fails here, with the fix, instead of "command not found" in a pane.
export async function checkAgentInstalled(rt: FleetRuntime, profile: AgentProfile): Promise<void> {
  if (!profile.binary) return;
  await rt.launcher.prepare();
  if (await findExecutable(profile.binary, rt.launcher.panePath)) return;
  throw new AgentNotInstalledError(
    `${profile.binary} is not installed (not on PATH): ${profile.installHint}`,
    {
      type: profile.type,
      binary: profile.binary,
    },
  );
}

export function newWorkerRecord(rt: FleetRuntime, input: AddWorkerInput, profile: AgentProfile): Worker {
  const { store, settings } = rt;
  const active = store.workers().filter((w) => w.state !== 'stopped');
  if (active.length >= settings.maxWorkers) {
    throw new WorkerLimitError(
      `the fleet already has ${active.length} workers (max ${settings.maxWorkers}): remove one or raise maxWorkers`,
      { max: settings.maxWorkers },
    );
  }
  const name = input.name ?? defaultName(rt, input.type, input.project);
  if (!WORKER_NAME_PATTERN.test(name)) {
    throw new UsageError(
      `worker name "${name}" is not allowed: use letters, digits, '.', '_' or '-' (at most 48)`,
      {
        name,
      },
    );
  }
  if (store.findWorker(name))
    throw new WorkerExistsError(`a worker named "${name}" already exists`, { name });
  // A model it could not pass on would look chosen and be the CLI's default.
  if (input.model !== undefined && !profile.modelArgs) {
    throw new UsageError(`a ${profile.displayName} worker takes no model: leave out --model`, {
      type: input.type,
    });
  }
  const policy = workerPolicy(rt, input);
  if (policy) refuseBypass(profile, policy);
  // tmux takes no line break in a pane's environment (the RPC schema says the same).
  for (const [key, value] of Object.entries(input.env ?? {})) {
    if (/[\r\n\0]/.test(value)) throw new UsageError(`env ${key}: a value cannot hold a line break`, { key });
  }
  const id = `w-${nanoid(10).replace(/[^A-Za-z0-9]/g, '0')}`;
  const env: Record<string, string> = {};
  const secretEnv: string[] = [];
  const secrets = new Map<string, string>();
  for (const [key, value] of Object.entries(input.env ?? {})) {
    // The worker's shell reads its env from a file of `export NAME=…` lines (worker/shell.ts).
    if (!ENV_NAME_PATTERN.test(key))
      throw new UsageError(`env variable name "${key}" is not allowed: use letters, digits and '_'`, { key });
    // The profile's variables (keys, endpoints) are treated as secrets whatever their names, and
    // so is a value shaped like one (a URL with a password, a known key) whatever its name.
    if (isSecretName(key) || isSecretValue(value) || profile.env.includes(key)) {
      secretEnv.push(key);
      secrets.set(key, value);
    } else env[key] = value;
  }
  // The profile's allow-list, from the controller's environment: read when the pane starts.
  for (const key of profile.env)
    if (!secretEnv.includes(key) && process.env[key] !== undefined) secretEnv.push(key);
  if (input.interactive && !profile.interactive) {
    throw new UsageError(`${profile.displayName} has no interactive mode: leave out --interactive`, {
      type: input.type,
    });
  }
  // Kept only once nothing can refuse the worker any more.
  if (secrets.size > 0) rt.secrets.set(id, secrets);
  const choosesSession = profile.oneShot?.newSession != null;
  return {
    id,
    name,
    type: input.type,
    project: input.project,
    env,
    secretEnv,
    state: 'starting',
    paneId: null,
    windowId: null,
    restarts: 0,
    restartHistory: [],
    lastError: null,
    createdAt: new Date().toISOString(),
    startedAt: null,
    ...NO_AGENT_STATE,
    role: policy?.role.name ?? 'default',
    policy,
    model: input.model ?? null,
    mode: input.interactive ? 'interactive' : 'one-shot',
    agentSessionId: choosesSession ? randomUUID() : null,
  };
}
