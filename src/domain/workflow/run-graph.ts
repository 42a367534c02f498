// The steps of a run as instances (a matrix step is one instance per value combination) and how
// they depend on each other: the graph the scheduler walks. Pure: it reads the spec and the run.
import { WorkflowInvalidError } from '../errors.js';
import { newStepRecord, type StepRecord } from './workflow-run.js';
import type { StepSpec, WorkflowSpec } from './workflow-spec.js';

type MatrixValue = string | number | boolean;

// Every combination of a literal matrix, in the order written (the last key varies fastest).
export function matrixCombinations(
  matrix: Readonly<Record<string, readonly MatrixValue[]>>,
): Record<string, MatrixValue>[] {
  let combos: Record<string, MatrixValue>[] = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos;
}

// The instances of every step, in the given order (the plan's topological order). A step named
// like another's matrix instance (`s-1` beside a matrix step `s`) is refused: they would share a
// directory and a worker.
export function expandInstances(spec: WorkflowSpec, order: readonly string[]): StepRecord[] {
  for (const [id, step] of Object.entries(spec.steps)) {
    if (step.matrix === undefined) continue;
    const clash = Object.keys(spec.steps).find((other) => new RegExp(`^${id}-\\d+$`).test(other));
    if (clash)
      throw new WorkflowInvalidError(
        `steps.${clash}: is named like an instance of the matrix step ${id}: rename it`,
        {
          step: clash,
        },
      );
  }
  const steps: StepRecord[] = [];
  for (const stepId of order) {
    const step = spec.steps[stepId];
    if (!step) continue;
    if (step.matrix === undefined) {
      steps.push(newStepRecord(stepId, stepId));
      continue;
    }
    if (typeof step.matrix === 'string') {
      // Its values come from earlier steps: one record stands for it until they are known.
      steps.push(newStepRecord(stepId, stepId));
      continue;
    }
    const combos = matrixCombinations(step.matrix);
    if (combos.length === 0)
      throw new WorkflowInvalidError(`steps.${stepId}.matrix: has no values`, { step: stepId });
    steps.push(...matrixInstances(stepId, combos));
  }
  return steps;
}

type MatrixCombo = Record<string, MatrixValue>;

// The values of a matrix read from an earlier step (`matrix: steps.plan.outputs.tasks.text`): a
// list (JSON, or one value a line) of values (each `matrix.value`) or of objects of values.
export function matrixFromValue(value: unknown): MatrixCombo[] {
  let list = value;
  if (typeof list === 'string') {
    const text = list.trim();
    try {
      list = text.startsWith('[')
        ? (JSON.parse(text) as unknown)
        : text
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean);
    } catch {
      throw new WorkflowInvalidError('the matrix is not a JSON list');
    }
  }
  if (!Array.isArray(list)) throw new WorkflowInvalidError('the matrix is not a list');
  const scalar = (v: unknown): v is MatrixValue => ['string', 'number', 'boolean'].includes(typeof v);
  return list.map((item: unknown) => {
    if (scalar(item)) return { value: item };
    if (item !== null && typeof item === 'object' && Object.values(item).every(scalar))
      return { ...(item as MatrixCombo) };
    throw new WorkflowInvalidError('a matrix value is a string, a number, a boolean or an object of those');
  });
}

// The instances a matrix step's values give it (`<step>-<n>`, n from 1).
export function matrixInstances(stepId: string, combos: readonly MatrixCombo[]): StepRecord[] {
  return combos.map((combo, index) => newStepRecord(`${stepId}-${index + 1}`, stepId, combo));
}

// The loop step whose group holds `stepId`, or null.
export function loopOf(spec: WorkflowSpec, stepId: string): string | null {
  for (const [id, step] of Object.entries(spec.steps)) {
    if (step.kind === 'loop' && step.loop.steps.includes(stepId)) return id;
  }
  return null;
}

export function instancesOf(steps: readonly StepRecord[], stepId: string): StepRecord[] {
  return steps.filter((s) => s.stepId === stepId);
}

// The instance of `target` that `from` pairs with: the same matrix index when both are matrix
// steps of the same size, else the only instance (null when that is ambiguous).
export function pairedInstance(
  steps: readonly StepRecord[],
  from: StepRecord,
  target: string,
): StepRecord | null {
  const targets = instancesOf(steps, target);
  if (targets.length === 1) return targets[0] ?? null;
  const mine = instancesOf(steps, from.stepId);
  const index = mine.findIndex((s) => s.id === from.id);
  return mine.length === targets.length && index >= 0 ? (targets[index] ?? null) : null;
}

// The instances an instance waits for: those of its needs, and for a step in a loop the loop's.
export function dependenciesOf(
  spec: WorkflowSpec,
  steps: readonly StepRecord[],
  instance: StepRecord,
): StepRecord[] {
  const step = spec.steps[instance.stepId];
  if (!step) return [];
  const deps = new Map<string, StepRecord>();
  for (const need of step.needs) {
    const paired = pairedInstance(steps, instance, need);
    for (const dep of paired ? [paired] : instancesOf(steps, need)) deps.set(dep.id, dep);
  }
  return [...deps.values()];
}

// Steps that (transitively) need `stepId`, in the run's order.
export function downstreamOf(spec: WorkflowSpec, stepId: string): Set<string> {
  const down = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, step] of Object.entries(spec.steps)) {
      if (down.has(id)) continue;
      if (step.needs.some((need) => need === stepId || down.has(need))) {
        down.add(id);
        grew = true;
      }
    }
  }
  return down;
}

// The steps a handback from `failed` to `target` runs again: the target, and every step between
// them (downstream of the target and upstream of, or equal to, the failed step).
export function handbackRange(spec: WorkflowSpec, target: string, failed: string): Set<string> {
  const down = downstreamOf(spec, target);
  const range = new Set<string>([target]);
  for (const id of down) {
    if (id === failed || downstreamOf(spec, id).has(failed)) range.add(id);
  }
  return range;
}

// Whether the step changes files (and so gets a workspace of its own by default).
export function stepEdits(spec: WorkflowSpec, step: StepSpec): boolean {
  if (step.kind === 'agent') return spec.roles[step.role]?.edits ?? true;
  return false;
}
