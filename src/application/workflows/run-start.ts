// Starting a run: the workflow validated again here (whoever calls: the CLI located the errors in
// the file, the daemon trusts nobody), its inputs typed, its project checked (an editing step
// needs a git repository unless it says `workspace: copy`), and the run's lock and state written
// before any window opens. Nothing is started when any of that fails.
import { z } from 'zod';
import { WorkflowInvalidError } from '../../domain/errors.js';
import { expandInstances, stepEdits } from '../../domain/workflow/run-graph.js';
import { checkWorkflow, planWorkflow, resolveInputs } from '../../domain/workflow/workflow-graph.js';
import { newRunRecord, type RunMode, type RunRecord } from '../../domain/workflow/workflow-run.js';
import { workflowSchema, type StepSpec, type WorkflowSpec } from '../../domain/workflow/workflow-spec.js';
import { templateReferences } from '../../domain/workflow/template.js';
import { workflowHash } from '../../infrastructure/workflow/workflow-file.js';
import { checkProject } from '../../infrastructure/fs/project-directory.js';
import type { WorkflowEngine } from './workflow-engine.js';

export const startRunSchema = z
  .object({
    // The workflow document as parsed from its file (YAML or JSON), before normalization.
    spec: z.unknown(),
    file: z.string().nullable().default(null),
    project: z.string().min(1),
    inputs: z.record(z.string(), z.string()).default({}),
    mode: z.enum(['manual', 'auto']).default('manual'),
    keepWorkers: z.boolean().default(false),
    // The queue job that starts it (its tag), recorded in run.json before the run starts.
    job: z.string().min(1).max(100).nullable().default(null),
  })
  .strict();
export type StartRunInput = z.input<typeof startRunSchema>;

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(top)';
}

// The normalized workflow, or every problem with it in one error.
export function validateWorkflow(raw: unknown): WorkflowSpec {
  const parsed = workflowSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${dotted(i.path)}: ${i.message}`);
    throw new WorkflowInvalidError(`the workflow is not valid:\n${lines.join('\n')}`, { issues: lines });
  }
  const spec = parsed.data as WorkflowSpec;
  const issues = checkWorkflow(spec);
  if (issues.length > 0) {
    const lines = issues.map((i) => `${dotted(i.path)}: ${i.message}`);
    throw new WorkflowInvalidError(`the workflow is not valid:\n${lines.join('\n')}`, { issues: lines });
  }
  return spec;
}

// The templates of a step (what it renders when it runs).
function stepTemplates(step: StepSpec): string[] {
  const texts = [step.rework, ...Object.values(step.env)];
  if (step.kind === 'agent') texts.push(step.prompt);
  if (step.kind === 'shell') texts.push(step.run);
  if (step.kind === 'gate') texts.push(step.gate.message);
  if (step.kind === 'merge') texts.push(step.merge.verify);
  return texts.filter((t): t is string => typeof t === 'string');
}

export async function createRun(
  engine: WorkflowEngine,
  id: string,
  request: StartRunInput,
): Promise<{ spec: WorkflowSpec; run: RunRecord }> {
  const parsed = startRunSchema.safeParse(request);
  if (!parsed.success)
    throw new WorkflowInvalidError(
      `flow run: ${parsed.error.issues.map((i) => `${dotted(i.path)}: ${i.message}`).join('; ')}`,
    );
  const input = parsed.data;
  const spec = validateWorkflow(input.spec);
  const inputs = resolveInputs(spec, input.inputs);
  // An input a template reads must have a value now, not fail the step that reads it later.
  for (const [stepId, step] of Object.entries(spec.steps)) {
    for (const text of stepTemplates(step)) {
      for (const ref of templateReferences(text)) {
        const name = ref[1] ?? '';
        if (ref[0] === 'inputs' && !Object.hasOwn(inputs, name))
          throw new WorkflowInvalidError(
            `input ${name} has no value and step ${stepId} reads it: give --input ${name}=…, or a default`,
            { input: name, step: stepId },
          );
      }
    }
  }
  await checkProject(input.project);
  const { workspaces, clock } = engine.env;
  // Steps that edit in a worktree of their own, or merge, need a git repository with a commit.
  const needsGit = Object.entries(spec.steps).filter(([, step]) => {
    const choice = step.workspace ?? (stepEdits(spec, step) ? 'worktree' : 'project');
    return choice === 'worktree' || step.kind === 'merge';
  });
  const isRepo = await workspaces.isRepository(input.project);
  const [first] = needsGit;
  if (!isRepo && first) {
    const [stepId, step] = first;
    throw new WorkflowInvalidError(
      `${input.project} is not a git repository: step ${stepId} ${step.kind === 'merge' ? 'merges branches' : 'edits files'}, so it needs one (or workspace: copy)`,
      { step: stepId },
    );
  }
  // A repository without a commit has no base to branch from: only a run that needs none starts.
  const head = isRepo
    ? await workspaces.headCommit(input.project).catch((error: unknown) => {
        if (needsGit.length > 0) throw error;
        return null;
      })
    : null;
  const steps = expandInstances(spec, planWorkflow(spec).order);
  const specHash = workflowHash(spec);
  const now = new Date(clock.now()).toISOString();
  const run: RunRecord = {
    ...newRunRecord({
      id,
      name: spec.name,
      mode: input.mode as RunMode,
      project: input.project,
      base: { sha: head?.sha ?? null, branch: head?.branch ?? null },
      inputs,
      specHash,
      startedAt: now,
      keepWorkers: input.keepWorkers,
      steps,
    }),
    ...(input.job === null ? {} : { job: input.job }),
  };
  await engine.files.writeLock(id, { spec, specHash, file: input.file, inputs, createdAt: now });
  await engine.files.saveRun(run);
  await engine.files.markActive(id, true);
  return { spec, run };
}
