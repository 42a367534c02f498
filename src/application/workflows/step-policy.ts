// A step's role as the workflow declares it, and what enforcing it takes around the step: the
// worker's policy (its place: the step's workspace and directory, who answers an ask), the git
// guards of its worktree (layer 4), and after the step the audit of what it changed (layer 5)
// and the secret scan of what it left (its output, patch and declared files).
import { dirname, join } from 'node:path';
import { WorkflowInvalidError } from '../../domain/errors.js';
import { decide, effectOf } from '../../domain/policy/decide.js';
import type { Role } from '../../domain/policy/role.js';
import type { RoleRegistry } from '../../domain/policy/role-registry.js';
import type { WorkerPolicy } from '../../domain/policy/worker-policy.js';
import { secretValuesOf, type SecretValue } from '../../domain/policy/secret-scan.js';
import type { RunRecord, StepRecord } from '../../domain/workflow/workflow-run.js';
import type { AgentStepSpec, ShellStepSpec, WorkflowSpec } from '../../domain/workflow/workflow-spec.js';
import { installWorkspaceGuards } from '../../infrastructure/git/workspace-guards.js';
import { changedIgnored, type IgnoredFiles } from '../../infrastructure/git/ignored-files.js';
import type { RunFiles } from '../../infrastructure/workflow/run-files.js';
import type { Workspaces } from './workflow-ports.js';
import { scanArtifacts, type ArtifactFinding } from '../../infrastructure/workflow/artifact-scan.js';

// The role a step holds: its workflow role's entry over the fleet's role of that name (or the
// one it `extends`), null for a role with no rules at all (an unknown name without rules, or
// `preset: default`): such a step is unrestricted, as before roles were enforced.
export function stepRole(
  spec: WorkflowSpec,
  step: AgentStepSpec | ShellStepSpec,
  roles: RoleRegistry,
): Role | null {
  const name = step.role;
  if (name === undefined) return null;
  const entry = spec.roles[name];
  const protectedPaths = spec.policy.protected_paths;
  if (!entry) {
    const known = roles.get(name);
    if (!known)
      throw new WorkflowInvalidError(
        `step ${step.kind === 'shell' ? 'with run' : ''} names role ${name}, which is neither in roles: nor a known role (${roles.names().join(', ')})`,
        { role: name },
      );
    return { ...known, protectedPaths: [...new Set([...known.protectedPaths, ...protectedPaths])] };
  }
  const preset = entry.preset === 'default' ? undefined : entry.preset;
  const base = entry.extends ?? preset ?? (roles.get(name) ? name : undefined);
  if (base === undefined && entry.rules.length === 0) return null;
  try {
    return roles.define(name, {
      ...(base !== undefined ? { extends: base } : {}),
      ...(entry.description !== undefined ? { description: entry.description } : {}),
      rules: entry.rules,
      replace_rules: entry.replace_rules,
      protected_paths: [...entry.protected_paths, ...protectedPaths],
      ...(entry.sandbox !== undefined ? { sandbox: entry.sandbox } : {}),
    });
  } catch (error) {
    throw new WorkflowInvalidError(`role ${name}: ${(error as Error).message}`, { role: name });
  }
}

// The worker's policy for a step: relative rules read against its workspace, `${step_dir}` its
// directory (all attempts), asks answered by a person in manual mode, by the workflow in auto.
export function stepPolicy(
  spec: WorkflowSpec,
  run: RunRecord,
  step: StepRecord,
  role: Role,
  workspace: string,
  attemptDir: string,
): WorkerPolicy {
  return {
    role,
    workspace,
    stepDir: dirname(attemptDir),
    asks: run.mode === 'manual' ? 'person' : spec.policy.auto_asks,
    runId: run.id,
    stepId: step.id,
  };
}

// Git hooks of the step's own worktree: commit and push as the role says, from any process.
export async function guardWorkspace(
  role: Role,
  path: string,
  askCommand: string | undefined,
): Promise<void> {
  await installWorkspaceGuards(path, {
    role: role.name,
    commit: effectOf(role, 'commit'),
    push: effectOf(role, 'push'),
    ...(askCommand ? { askCommand } : {}),
  });
}

// The paths of a step's change its role may not make (protected ones included), each with why.
export function violationsOf(
  role: Role,
  workspace: string,
  stepDir: string,
  paths: readonly string[],
): string[] {
  return paths.flatMap((path) => {
    const decision = decide(role, { action: 'edit', path }, { workspace, stepDir });
    return decision.effect === 'allow' ? [] : [`${path} (${decision.reason})`];
  });
}

// Secrets in what the step left: known key shapes, and the values of the secret-named variables
// the run holds (the fleet's environment, the workflow's and the step's env). Redacted in place.
export async function scanStepArtifacts(
  stepDir: string,
  outputs: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ArtifactFinding[]> {
  const values: SecretValue[] = secretValuesOf(
    Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string')),
  );
  const files = [
    join(stepDir, 'raw_output.txt'),
    join(stepDir, 'patch.diff'),
    join(stepDir, 'result.json'),
    ...Object.values(outputs),
  ];
  return (await scanArtifacts(files, values)).findings;
}

// How many secrets were found (and redacted) in what the step left.
export async function secretsRedactedIn(
  stepDir: string,
  outputs: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const found = await scanStepArtifacts(stepDir, outputs, env);
  return found.reduce((sum, file) => sum + file.findings.length, 0);
}

const IGNORED_BEFORE = 'ignored-before.json';

// What git ignores in a policed step's worktree, as it was when the attempt started (kept in the
// step directory, so a controller restarted mid-step still compares against it).
export async function recordIgnoredFiles(
  workspaces: Pick<Workspaces, 'ignoredFiles'>,
  files: RunFiles,
  workspace: string,
  stepDir: string,
): Promise<void> {
  const listing = await workspaces.ignoredFiles(workspace);
  await files.writeStepFile(stepDir, IGNORED_BEFORE, JSON.stringify(listing));
}

// The ignored files the attempt wrote, made or removed (`.env`, a build dir): its commit does not
// hold them, so the diff audit adds them to what it checks. None when no listing was kept.
export async function ignoredChangesOf(
  workspaces: Pick<Workspaces, 'ignoredFiles'>,
  files: RunFiles,
  workspace: string,
  stepDir: string,
): Promise<string[]> {
  const text = await files.readText(join(stepDir, IGNORED_BEFORE));
  if (text === null) return [];
  return changedIgnored(JSON.parse(text) as IgnoredFiles, await workspaces.ignoredFiles(workspace));
}
