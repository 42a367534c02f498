// Agent tasks in one-shot mode: the prompt becomes the agent's headless invocation when the task
// starts (so it continues the worker's conversation), and when it ends the CLI's structured output
// decides the task's status and what the worker remembers (conversation, auth, rate limit).
import { parseAgentOutput, type AgentResult } from '../domain/agents/agent-output.js';
import { agentVerdict, type AgentVerdict } from '../domain/agents/agent-verdict.js';
import { buildOneShotCommand } from '../domain/agents/one-shot-command.js';
import type { ProfileRegistry } from '../domain/agents/registry.js';
import type { Task } from '../domain/task.js';
import type { Worker } from '../domain/worker.js';
import type { FleetStore } from './fleet-store.js';
import type { TaskFiles } from './task-files.js';

export interface SettledAgentTask extends AgentVerdict {
  readonly agent: AgentResult;
}

export class AgentTasks {
  constructor(
    private readonly deps: {
      readonly store: FleetStore;
      readonly files: TaskFiles;
      readonly profiles: ProfileRegistry;
      readonly redact: (workerId: string, text: string) => string;
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
      stdoutFile: this.deps.files.agentStdoutPath(task.id),
    });
  }

  // Reads what the agent reported, and records on its worker what the next task needs.
  async settle(task: Task, exitCode: number, output: string): Promise<SettledAgentTask> {
    const { store, profiles } = this.deps;
    const worker = store.worker(task.workerId);
    const profile = profiles.require(worker?.type ?? 'shell');
    const stdout = this.deps.redact(task.workerId, await this.deps.files.readAgentStdout(task.id));
    const agent = parseAgentOutput(profile.oneShot?.output ?? 'text', stdout);
    const verdict = agentVerdict(profile, exitCode, agent, output);
    if (worker) {
      store.putWorker({
        ...worker,
        agentCondition: verdict.condition,
        conditionUntil: verdict.conditionUntil,
        lastError: verdict.condition ? verdict.reason : worker.lastError,
        ...(verdict.sessionId ? { agentSessionId: verdict.sessionId, agentSessionStarted: true } : {}),
      });
    }
    return { ...verdict, agent };
  }
}
