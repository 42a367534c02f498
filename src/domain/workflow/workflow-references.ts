// What a step's templates and expressions may refer to. The engine resolves, for a step S:
//
//   inputs.NAME                     a declared input
//   steps.ID.outputs.NAME[.text]    an output ID declares (the path; .text: the file's text)
//   steps.ID.status|summary|output_tail
//   loop.iteration                  in a loop's steps and its `until` (1, 2, …)
//   matrix.KEY                      in a step with a matrix, one of its keys
//   run.id  run.dir  step.dir       always
//   failure.step  failure.output    in a step that some on_failure.handback names
//
// where ID must be upstream of S (finished before S starts), so the value exists when S runs.
// Each is checked here, from the file alone, so a run never stops halfway on a typo.
import { expressionReferences, parseExpression } from './expression.js';
import { templateReferences, parseReferencePath } from './template.js';
import type { IssuePath, WorkflowIssue } from './workflow-dag.js';
import type { StepSpec, WorkflowSpec } from './workflow-spec.js';

// What a field of one step can see.
export interface ReferenceScope {
  readonly spec: WorkflowSpec;
  readonly stepId: string;
  readonly upstream: ReadonlySet<string>;
  readonly inLoop: boolean;
  readonly handbackTarget: boolean;
  // The step's matrix keys; 'computed' for a matrix an expression makes (its keys are its values').
  readonly matrix: readonly string[] | 'computed' | undefined;
}

const STEP_FIELDS = new Set(['status', 'summary', 'output_tail']);
const FIXED = new Set(['run.id', 'run.dir', 'step.dir']);

// Whether a relative path names a file inside its directory (never above it on the way).
export function staysInside(path: string): boolean {
  if (path.startsWith('/')) return false;
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') depth -= 1;
    else if (part !== '' && part !== '.') depth += 1;
    if (depth < 0) return false;
  }
  return depth > 0;
}

// Why `ref` is not available to the step, or undefined when it is.
export function referenceProblem(ref: readonly string[], scope: ReferenceScope): string | undefined {
  const name = ref.join('.');
  const [root, first, second, third, fourth, ...rest] = ref;
  const unknown = `unknown variable ${name}`;
  if (FIXED.has(name)) return undefined;
  if (root === 'inputs' && first !== undefined && second === undefined)
    return Object.hasOwn(scope.spec.inputs, first) ? undefined : `${unknown}: no input is named ${first}`;
  if (root === 'loop' && first === 'iteration' && second === undefined)
    return scope.inLoop ? undefined : `${name}: only the steps of a loop (and its until) have one`;
  if (root === 'failure' && (first === 'step' || first === 'output') && second === undefined)
    return scope.handbackTarget
      ? undefined
      : `${name}: only a step that an on_failure.handback names has one`;
  if (root === 'matrix' && first !== undefined && second === undefined) {
    const matrix = scope.matrix;
    if (matrix === undefined) return `${name}: only a step with a matrix has matrix values`;
    if (matrix === 'computed' || matrix.includes(first)) return undefined;
    return `${unknown}: the matrix has no key ${first}`;
  }
  if (root !== 'steps' || first === undefined || second === undefined) return unknown;
  const target = scope.spec.steps[first];
  if (!Object.hasOwn(scope.spec.steps, first) || target === undefined)
    return `${unknown}: no step is named ${first}`;
  if (first === scope.stepId) return `${name}: a step cannot read its own results`;
  if (!scope.upstream.has(first))
    return `${name}: ${first} does not run before ${scope.stepId} (add it to needs)`;
  if (STEP_FIELDS.has(second) && third === undefined) return undefined;
  if (second !== 'outputs' || third === undefined) return unknown;
  if (!Object.hasOwn(target.outputs, third)) return `${unknown}: ${first} declares no output ${third}`;
  if (fourth === undefined || (fourth === 'text' && rest.length === 0)) return undefined;
  return `${unknown}: an output is its path, or its text (.text)`;
}

function templateIssues(text: string, path: IssuePath, scope: ReferenceScope): WorkflowIssue[] {
  let refs: string[][];
  try {
    refs = templateReferences(text);
  } catch (error) {
    return [{ path, message: (error as Error).message }];
  }
  return refs.flatMap((ref) => {
    const message = referenceProblem(ref, scope);
    return message === undefined ? [] : [{ path, message }];
  });
}

function expressionIssues(text: string, path: IssuePath, scope: ReferenceScope): WorkflowIssue[] {
  let refs: string[][];
  try {
    refs = expressionReferences(parseExpression(text));
  } catch (error) {
    return [{ path, message: (error as Error).message }];
  }
  return refs.flatMap((ref) => {
    const message = referenceProblem(ref, scope);
    return message === undefined ? [] : [{ path, message }];
  });
}

// The issues of every template and expression of one step.
// `loopScope` is what a loop's `until` sees: its own steps have run by then.
export function stepReferenceIssues(
  step: StepSpec,
  scope: ReferenceScope,
  loopScope: ReferenceScope,
): WorkflowIssue[] {
  const at = (...path: (string | number)[]): IssuePath => ['steps', scope.stepId, ...path];
  const issues: WorkflowIssue[] = [];
  if (step.if !== undefined) issues.push(...expressionIssues(step.if, at('if'), scope));
  if (typeof step.matrix === 'string') {
    // The matrix is computed before the step runs: it has no matrix values to read yet.
    issues.push(...expressionIssues(step.matrix, at('matrix'), { ...scope, matrix: undefined }));
  }
  // Outputs are files in the step's own directory: a path that leaves it can never be valid.
  for (const [name, output] of Object.entries(step.outputs)) {
    if (!staysInside(output.path))
      issues.push({
        path: at('outputs', name),
        message: `${output.path} is outside the step's directory: give a path inside it`,
      });
  }
  if (step.matrix !== undefined && typeof step.matrix !== 'string') {
    for (const [key, values] of Object.entries(step.matrix))
      if (values.length === 0) issues.push({ path: at('matrix', key), message: 'has no values' });
  }
  for (const [key, value] of Object.entries(step.env))
    issues.push(...templateIssues(value, at('env', key), scope));
  // A rework runs only with a failure handed to it: failure.* is there.
  if (step.rework !== undefined)
    issues.push(...templateIssues(step.rework, at('rework'), { ...scope, handbackTarget: true }));
  switch (step.kind) {
    case 'agent':
      issues.push(...templateIssues(step.prompt, at('prompt'), scope));
      break;
    case 'shell':
      issues.push(...templateIssues(step.run, at('run'), scope));
      break;
    case 'gate':
      if (step.gate.message !== undefined)
        issues.push(...templateIssues(step.gate.message, at('gate', 'message'), scope));
      step.gate.show.forEach((shown, i) => {
        // A reference to an output; anything else is a path relative to the step.
        if (!shown.startsWith('steps.')) return;
        const ref = parseReferencePath(shown);
        const message =
          typeof ref === 'string'
            ? ref
            : ref[2] !== 'outputs'
              ? `${shown}: a gate shows outputs (steps.ID.outputs.NAME)`
              : referenceProblem(ref, scope);
        if (message !== undefined) issues.push({ path: at('gate', 'show', i), message });
      });
      break;
    case 'loop':
      issues.push(...expressionIssues(step.loop.until, at('loop', 'until'), loopScope));
      break;
    case 'merge':
      if (step.merge.verify !== undefined)
        issues.push(...templateIssues(step.merge.verify, at('merge', 'verify'), scope));
      break;
  }
  return issues;
}
