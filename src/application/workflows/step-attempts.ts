// One attempt of an agent or shell step: its workspace, its worker (`<run>-<step>`, in its own
// window), the prompt or command rendered and saved as prompt.txt, the task sent, and when the
// task ends, what it left checked: raw_output.txt, the commit and patch.diff of an editing step,
// result.json (the step's own, or written from the task's result), the declared outputs.
import { dirname } from 'node:path';
import type { Role } from '../../domain/policy/role.js';
import type { WorkerPolicy } from '../../domain/policy/worker-policy.js';
import {
  guardWorkspace,
  ignoredChangesOf,
  recordIgnoredFiles,
  secretsRedactedIn,
  stepPolicy,
  stepRole,
  violationsOf,
} from './step-policy.js';
import { DEFAULT_REWORK, stepFooter } from './step-prompt.js';
import { shellQuote } from '../../domain/marker.js';
import type { TaskResult } from '../contract/views.js';
import { pairedInstance, stepEdits } from '../../domain/workflow/run-graph.js';
import {
  outputTail,
  type RunRecord,
  type StepRecord,
  type WorkspaceRecord,
} from '../../domain/workflow/workflow-run.js';
import type { AgentStepSpec, ShellStepSpec, WorkflowSpec } from '../../domain/workflow/workflow-spec.js';
import { WorkspaceError } from '../../domain/errors.js';
import type { RunFiles } from '../../infrastructure/workflow/run-files.js';
import { sha256Text } from '../../infrastructure/fs/sha256.js';
import { checkOutputs, readStepResult } from '../../infrastructure/workflow/step-outputs.js';
import { RunContext } from './run-context.js';
import type { WorkflowEnvironment } from './workflow-ports.js';

export interface AttemptStart {
  readonly step: StepRecord;
  readonly text: string;
}

export interface AttemptEnd {
  readonly status: 'succeeded' | 'failed';
  readonly changes: Partial<StepRecord>;
}

// What an attempt ran with, its own directory left out (each attempt has another).
export function inputHashOf(step: StepRecord, text: string, stepDir: string): string {
  return sha256Text(`${step.stepId}\n${text.replaceAll(stepDir, '<step-dir>')}`);
}

export function workerName(run: RunRecord, step: StepRecord): string {
  return `${run.id}-${step.id}`.slice(0, 48);
}

export class StepAttempts {
  constructor(
    private readonly env: WorkflowEnvironment,
    private readonly files: RunFiles,
  ) {}

  // The step's workspace: its own worktree (an editing step), another step's, or the project.
  async workspaceFor(spec: WorkflowSpec, run: RunRecord, step: StepRecord): Promise<WorkspaceRecord> {
    if (step.workspace) return step.workspace;
    const stepSpec = spec.steps[step.stepId];
    if (!stepSpec) throw new WorkspaceError(`step ${step.id} is not in the workflow`);
    // A step with a role gets a worktree even if it should not edit: what it changed anyway is
    // then audited, and kept on its branch, away from the project.
    const policed =
      (stepSpec.kind === 'agent' || stepSpec.kind === 'shell') &&
      this.roleOf(spec, stepSpec) !== null &&
      run.base.sha !== null;
    const choice = stepSpec.workspace ?? (stepEdits(spec, stepSpec) || policed ? 'worktree' : 'project');
    if (typeof choice === 'object') {
      const owner = pairedInstance(run.steps, step, choice.of);
      if (!owner?.workspace)
        throw new WorkspaceError(`step ${step.id} works in ${choice.of}'s workspace, which has none yet`);
      return owner.workspace;
    }
    if (choice === 'project') return { path: run.project, branch: null, kind: 'project' };
    const path = this.files.worktreeDir(run.id, step.id);
    if (choice === 'copy') {
      const base = await this.env.workspaces.copyProject(run.project, path);
      return { path, branch: null, kind: 'copy', base };
    }
    if (!run.base.sha)
      throw new WorkspaceError(
        `${run.project} is not a git repository: step ${step.id} edits, so it needs one (or workspace: copy)`,
      );
    const branch = `tmuxorch/${run.id}/${step.id}`;
    await this.env.workspaces.createWorktree({ project: run.project, path, branch, base: run.base.sha });
    return { path, branch, kind: 'worktree' };
  }

  // Starts the attempt: returns the step as it now runs (its task sent).
  async start(spec: WorkflowSpec, run: RunRecord, step: StepRecord): Promise<AttemptStart> {
    const stepSpec = spec.steps[step.stepId] as AgentStepSpec | ShellStepSpec;
    const attempt = step.attempts + 1;
    const stepDir = await this.files.makeStepDir(run.id, step.id, attempt);
    const workspace = await this.workspaceFor(spec, run, step);
    const { text, env } = await this.render(spec, run, step, stepDir);
    await this.files.writeStepFile(stepDir, 'prompt.txt', this.env.redact(text));
    const name = workerName(run, step);
    const role = this.roleOf(spec, stepSpec);
    const policy = role ? stepPolicy(spec, run, step, role, workspace.path, stepDir) : null;
    await this.ensureWorker(spec, run, stepSpec, name, workspace.path, env, policy);
    if (role && workspace.kind === 'worktree' && workspace.path === this.files.worktreeDir(run.id, step.id)) {
      await guardWorkspace(role, workspace.path, this.env.fleet.askCommand(name) ?? undefined);
      await recordIgnoredFiles(this.env.workspaces, this.files, workspace.path, stepDir);
    }
    // One retry in the fleet: a task cut off by a tmux server loss runs again once (the fleet
    // re-queues only what an outage cut off; a task that failed on its own is the step's failure).
    const task = await this.env.fleet.send({
      worker: name,
      command: text,
      timeoutMs: stepSpec.timeout ?? null,
      retries: 1,
    });
    const now = new Date(this.env.clock.now()).toISOString();
    return {
      text,
      step: {
        ...step,
        status: 'running',
        attempts: attempt,
        worker: name,
        taskId: task.id,
        startedAt: now,
        workspace,
        inputHash: inputHashOf(step, text, stepDir),
      },
    };
  }

  // The prompt (agent) or command line (shell) of an attempt in `stepDir` (its template, or its
  // rework after a handback) and the step's env, rendered over the run as it is now.
  async render(
    spec: WorkflowSpec,
    run: RunRecord,
    step: StepRecord,
    stepDir: string,
  ): Promise<{ text: string; env: Record<string, string> }> {
    const stepSpec = spec.steps[step.stepId] as AgentStepSpec | ShellStepSpec;
    const places = { runDir: this.files.dir(run.id), stepDir };
    const rework = step.handback ? (stepSpec.rework ?? DEFAULT_REWORK) : null;
    const body = rework ?? (stepSpec.kind === 'agent' ? stepSpec.prompt : stepSpec.run);
    // One context (the output files it reads, read once) for the body and the env values: env
    // values are templates too, passed to the pane through its env file (quoted safely), the way
    // to hand an input to a shell command without pasting it into the command line.
    const context = await RunContext.for(run, step, places, [body, ...Object.values(stepSpec.env)]);
    const rendered = context.render(body);
    const text =
      stepSpec.kind === 'agent'
        ? `${rendered}\n\n${stepFooter(stepSpec, stepDir)}`
        : `export TMUXORCH_STEP_DIR=${shellQuote(stepDir)}; ${rendered}`;
    const env = Object.fromEntries(
      Object.entries(stepSpec.env).map(([key, value]) => [key, context.render(value)]),
    );
    return { text, env };
  }

  // What the step's last attempt ran with, as of now: null when it no longer renders.
  async currentInputHash(spec: WorkflowSpec, run: RunRecord, step: StepRecord): Promise<string | null> {
    const stepDir = this.files.stepDir(run.id, step.id, step.attempts);
    const rendered = await this.render(spec, run, step, stepDir).catch(() => null);
    return rendered === null ? null : inputHashOf(step, rendered.text, stepDir);
  }

  private async ensureWorker(
    spec: WorkflowSpec,
    run: RunRecord,
    step: AgentStepSpec | ShellStepSpec,
    name: string,
    project: string,
    stepEnv: Readonly<Record<string, string>>,
    policy: WorkerPolicy | null,
  ): Promise<void> {
    if (this.env.fleet.workers().some((w) => w.name === name && w.state !== 'stopped')) return;
    const role = step.kind === 'agent' ? spec.roles[step.role] : undefined;
    await this.env.fleet.addWorker({
      type: role?.agent ?? 'shell',
      project,
      name,
      env: { ...spec.env, ...stepEnv, TMUXORCH_RUN_ID: run.id, TMUXORCH_RUN_DIR: this.files.dir(run.id) },
      ...(role && role.agent !== 'shell' ? { interactive: role.interactive } : {}),
      ...(role?.model && role.agent !== 'shell' ? { model: role.model } : {}),
      ...(policy ? { policy } : {}),
    });
  }

  // The role a step holds (null: none, the step is unrestricted).
  roleOf(spec: WorkflowSpec, step: AgentStepSpec | ShellStepSpec): Role | null {
    return stepRole(spec, step, this.env.roles);
  }

  // What the ended task left, checked; the step's status follows from it.
  async finish(
    spec: WorkflowSpec,
    run: RunRecord,
    step: StepRecord,
    result: TaskResult,
  ): Promise<AttemptEnd> {
    const stepSpec = spec.steps[step.stepId];
    const stepDir = this.files.stepDir(run.id, step.id, step.attempts);
    const output = result.output ?? '';
    await this.files.writeStepFile(stepDir, 'raw_output.txt', output);
    const changes: { -readonly [K in keyof StepRecord]?: StepRecord[K] } = {
      finishedAt: result.finishedAt,
      durationMs: result.durationMs,
      exitCode: result.exitCode,
      outputTail: outputTail(result.agent?.text ?? output),
      agentSessionId: result.agent?.sessionId ?? step.agentSessionId,
      costUsd: (step.costUsd ?? 0) + (result.agent?.costUsd ?? 0),
    };
    const owner =
      step.workspace &&
      step.workspace.kind !== 'project' &&
      step.workspace.path === this.files.worktreeDir(run.id, step.id);
    // What an editing step changed: committed (agents often do not) and its diff as patch.diff.
    const base = step.workspace?.kind === 'copy' ? step.workspace.base : run.base.sha;
    if (owner && step.workspace && base) {
      await this.env.workspaces.commitAll(
        step.workspace.path,
        `tmuxorch ${run.id}: ${step.id} (attempt ${step.attempts})`,
      );
      await this.files.writeStepFile(
        stepDir,
        'patch.diff',
        await this.env.workspaces.diff(step.workspace.path, base),
      );
    }
    // What it printed and its patch, scanned for secrets before anything else reads them.
    const secrets = await secretsRedactedIn(stepDir, {}, { ...this.env.secretEnv, ...spec.env });
    if (secrets > 0) changes.secretsRedacted = secrets;
    const failed = (reason: string): AttemptEnd => ({ status: 'failed', changes: { ...changes, reason } });
    const role =
      stepSpec && (stepSpec.kind === 'agent' || stepSpec.kind === 'shell')
        ? this.roleOf(spec, stepSpec)
        : null;
    // Layer 5: what the step changed, against what its role may edit. Kept on its branch, never merged.
    if (role && owner && step.workspace && base) {
      const paths = [
        ...new Set([
          ...(await this.env.workspaces.changedPaths(step.workspace.path, base)),
          ...(await ignoredChangesOf(this.env.workspaces, this.files, step.workspace.path, stepDir)),
        ]),
      ];
      const violations = violationsOf(role, step.workspace.path, dirname(stepDir), paths);
      if (violations.length > 0) {
        const reason = `policy_violation: role ${role.name} changed what it may not: ${violations.join('; ')}`;
        await this.writeResult(stepDir, 'failed', reason);
        return {
          status: 'failed',
          changes: {
            ...changes,
            reason,
            violations: paths.filter((p) => violations.some((v) => v.startsWith(`${p} (`))),
          },
        };
      }
    }
    if (result.status !== 'succeeded') {
      await this.writeResult(stepDir, 'failed', result.reason ?? `the task ${result.status}`);
      return failed(
        result.reason ??
          `its task ${result.status}${result.exitCode === null ? '' : ` (exit ${result.exitCode})`}`,
      );
    }
    const own = await readStepResult(stepDir);
    if (own && 'invalid' in own) return failed(own.invalid);
    if (own?.status === 'failed') return failed(own.summary || 'its result.json says failed');
    const checked = await checkOutputs(stepDir, stepSpec?.outputs ?? {});
    if (!checked.ok) return failed(checked.reason);
    const summary = own?.summary || (result.agent?.text ?? outputTail(output, 1, 200)) || 'done';
    if (!own) await this.writeResult(stepDir, 'succeeded', summary, checked.outputs);
    // The declared outputs and result.json too, now that they are there.
    const more = await secretsRedactedIn(stepDir, checked.outputs, { ...this.env.secretEnv, ...spec.env });
    if (more > 0) changes.secretsRedacted = (changes.secretsRedacted ?? 0) + more;
    return {
      status: 'succeeded',
      changes: { ...changes, outputs: checked.outputs, summary: summary.slice(0, 500), reason: null },
    };
  }

  private async writeResult(
    stepDir: string,
    status: 'succeeded' | 'failed',
    summary: string,
    outputs: Record<string, string> = {},
  ): Promise<void> {
    const text = JSON.stringify({ status, summary: this.env.redact(summary), outputs }, null, 2);
    await this.files.writeStepFile(stepDir, 'result.json', `${text}\n`);
  }
}
