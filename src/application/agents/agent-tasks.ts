// Agent tasks in one-shot mode: the prompt becomes the agent's headless invocation when the task
// starts (so it continues the worker's conversation), and when it ends the CLI's structured output
// decides the task's status and what the worker remembers (conversation, auth, rate limit).
import type { HookLog } from '../../infrastructure/agents/hook-log.js';
import { policyArgs } from '../policy/agent-flags.js';
import { randomUUID } from 'node:crypto';
import { parseAgentOutput, stderrOf, type AgentResult } from '../../domain/agents/agent-output.js';
import { agentVerdict, type AgentVerdict } from '../../domain/agents/agent-verdict.js';
import { buildOneShotCommand } from '../../domain/agents/one-shot-command.js';
import { AUTH_CHECK_EXIT } from '../../domain/agents/profile.js';
import type { ProfileRegistry } from '../../domain/agents/registry.js';
import type { Task } from '../../domain/task.js';
import type { Worker } from '../../domain/worker.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import type { TaskFilesPort } from '../ports/files.js';

export interface SettledAgentTask extends AgentVerdict {
  readonly agent: AgentResult;
}

export class AgentTasks {
  constructor(
    private readonly deps: {
      readonly store: FleetStore;
      readonly files: TaskFilesPort;
      readonly profiles: ProfileRegistry;
      readonly redact: (workerId: string, text: string) => string;
      readonly hooks: HookLog;
    },
  ) {}

  // The shell command that runs the task: its own command, or an agent task's invocation.
  commandFor(worker: Worker, task: Task): string {
    if (task.prompt === null) return task.command;
    const profile = this.deps.profiles.require(worker.type);
    this.deps.files.ensureDir(task.id);
    return buildOneShotCommand(profile, {
      prompt: task.prompt,
      sessionId: worker.agentSessionId,
      sessionStarted: worker.agentSessionStarted,
      role: worker.role,
      permissionArgs: policyArgs(worker, profile, this.deps.hooks, true),
      model: worker.model,
      stdoutFile: this.deps.files.agentStdoutPath(task.id),
    });
  }

  // Reads what the agent reported, and records on its worker what the next task needs.
  async settle(task: Task, exitCode: number, output: string): Promise<SettledAgentTask> {
    const { store, profiles } = this.deps;
    const worker = store.worker(task.workerId);
    const profile = profiles.require(worker?.type ?? 'shell');
    const stdout = await this.deps.files.redactAgentStdout(task.id, (text) =>
      this.deps.redact(task.workerId, text),
    );
    const agent = parseAgentOutput(profile.oneShot?.output ?? 'text', stdout, stderrOf(output, stdout));
    const verdict = agentVerdict(profile, exitCode, agent, output, stdout);
    if (worker) {
      const session = verdict.sessionId
        ? { agentSessionId: verdict.sessionId, agentSessionStarted: true }
        : exitCode === AUTH_CHECK_EXIT
          ? {} // the agent never ran: the chosen id is still unused
          : this.unknownSession(worker);
      store.putWorker({
        ...worker,
        agentCondition: verdict.condition,
        conditionUntil: verdict.conditionUntil,
        lastError: verdict.condition ? verdict.reason : worker.lastError,
        ...session,
      });
    }
    return { ...verdict, agent };
  }

  // An agent task that ended without a result (timed out, cancelled, lost with its pane).
  abandon(task: Task): void {
    const worker = this.deps.store.worker(task.workerId);
    if (task.prompt === null || !worker) return;
    this.deps.store.putWorker({ ...worker, ...this.unknownSession(worker) });
  }

  // The agent ran but did not say which conversation it used: a chosen id may now exist or not,
  // so a fresh one is chosen. Starting over beats `--session-id` "already in use" or `--resume`
  // "no conversation found" on every later task.
  private unknownSession(worker: Worker): Partial<Worker> {
    if (worker.agentSessionStarted) return {};
    const chooses = this.deps.profiles.get(worker.type)?.oneShot?.newSession != null;
    return chooses ? { agentSessionId: randomUUID() } : {};
  }
}
