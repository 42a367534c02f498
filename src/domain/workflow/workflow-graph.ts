// The checks of a workflow that its schema cannot make (names that must exist, cycles, what runs
// before what), and its plan: the order of the steps and which may run at once.
import { WorkflowInvalidError } from '../errors.js';
import {
  buildStepGraph,
  findCycles,
  upstreamIn,
  waitClosure,
  type IssuePath,
  type StepGraph,
  type WorkflowIssue,
} from './workflow-dag.js';
import { defaultProblem } from './workflow-inputs.js';
import { stepReferenceIssues, type ReferenceScope } from './workflow-references.js';
import type { WorkflowSpec } from './workflow-spec.js';

export type { WorkflowIssue } from './workflow-dag.js';
export { resolveInputs } from './workflow-inputs.js';

export interface WorkflowPlan {
  order: string[];
  levels: string[][];
  gates: string[];
  // An agent step → its role.
  roles: Record<string, string>;
  loops: { id: string; steps: string[]; maxIterations: number }[];
}

// The steps that have finished before `stepId` starts (a loop's steps wait for what the loop needs;
// a step after a loop sees the loop's steps).
export function upstreamOf(spec: WorkflowSpec, stepId: string): Set<string> {
  return upstreamIn(buildStepGraph(spec), stepId);
}

// Names in needs, loops, handbacks, workspaces and merges.
function structureIssues(spec: WorkflowSpec, graph: StepGraph): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  const add = (path: IssuePath, message: string): void => void issues.push({ path, message });
  const exists = (id: string): boolean => Object.hasOwn(spec.steps, id);
  const upstream = (id: string): Set<string> => upstreamIn(graph, id);
  for (const [id, step] of Object.entries(spec.steps)) {
    const loop = graph.loopOf.get(id);
    step.needs.forEach((need, i) => {
      const at = ['steps', id, 'needs', i];
      if (!exists(need)) add(at, `needs ${need}, which is no step of the workflow`);
      else if (need === id) add(at, 'a step cannot need itself');
      else if (need === loop) add(at, `a step of loop ${loop} runs inside it: it cannot need it`);
      else if (graph.loopOf.get(need) === id)
        add(at, `${need} runs inside this loop: a loop does not need its own steps`);
      else if (graph.loopOf.has(need) && graph.loopOf.get(need) !== loop)
        add(at, `${need} runs inside loop ${graph.loopOf.get(need) ?? ''}: need the loop instead`);
    });
    if (step.kind === 'agent' && !Object.hasOwn(spec.roles, step.role))
      add(
        ['steps', id, 'role'],
        `no role is named ${step.role} (roles: ${Object.keys(spec.roles).join(', ') || 'none'})`,
      );
    const handback = step.on_failure.handback;
    if (handback !== undefined) {
      const at = ['steps', id, 'on_failure', 'handback'];
      if (!exists(handback)) add(at, `no step is named ${handback}`);
      else if (spec.steps[handback]?.kind !== 'agent')
        add(at, `${handback} is not an agent step: only an agent can take a failure back`);
      else if (!upstream(id).has(handback))
        add(at, `${handback} does not run before ${id}: a failure goes back upstream`);
    }
    const workspace = step.workspace;
    if (workspace !== undefined && typeof workspace === 'object') {
      const at = ['steps', id, 'workspace', 'of'];
      if (!exists(workspace.of)) add(at, `no step is named ${workspace.of}`);
      else if (!upstream(id).has(workspace.of))
        add(at, `${workspace.of} does not run before ${id} (add it to needs)`);
    }
    if (step.kind === 'merge')
      step.merge.steps.forEach((merged, i) => {
        const at = ['steps', id, 'merge', 'steps', i];
        if (!exists(merged)) add(at, `no step is named ${merged}`);
        else if (!upstream(id).has(merged)) add(at, `${merged} does not run before ${id} (add it to needs)`);
      });
    if (step.kind === 'loop') {
      if (loop !== undefined) add(['steps', id], `a loop cannot run inside a loop (${loop})`);
      step.loop.steps.forEach((member, i) => {
        const at = ['steps', id, 'loop', 'steps', i];
        if (!exists(member)) add(at, `no step is named ${member}`);
        else if (member === id) add(at, 'a loop cannot contain itself');
        else if (spec.steps[member]?.kind === 'loop')
          add(at, `${member} is a loop: a loop cannot run inside a loop`);
        else if (graph.loopOf.get(member) !== id)
          add(at, `${member} is already a step of loop ${graph.loopOf.get(member) ?? ''}`);
        else if (step.loop.steps.indexOf(member) !== i) add(at, `${member} is listed twice`);
      });
    }
    if (loop !== undefined) {
      // A loop's step may wait for its loop's steps and for what runs before the loop, no more.
      const allowed = waitClosure(graph, spec.steps[loop]?.needs.filter(exists) ?? []);
      step.needs.forEach((need, i) => {
        if (
          exists(need) &&
          graph.loopOf.get(need) !== loop &&
          need !== loop &&
          !allowed.has(need) &&
          !graph.loopOf.has(need)
        )
          add(
            ['steps', id, 'needs', i],
            `${need} does not run before loop ${loop}: a step of a loop needs its loop's steps or what the loop needs`,
          );
      });
    }
  }
  return issues;
}

function referenceIssues(spec: WorkflowSpec, graph: StepGraph): WorkflowIssue[] {
  const targets = new Set(
    Object.values(spec.steps).flatMap((s) =>
      s.on_failure.handback === undefined ? [] : [s.on_failure.handback],
    ),
  );
  return Object.entries(spec.steps).flatMap(([id, step]) => {
    const scope: ReferenceScope = {
      spec,
      stepId: id,
      // What a loop sees before it starts: what it needs, not its own steps.
      upstream:
        step.kind === 'loop'
          ? waitClosure(
              graph,
              step.needs.filter((n) => n !== id && Object.hasOwn(spec.steps, n)),
            )
          : upstreamIn(graph, id),
      inLoop: graph.loopOf.has(id),
      handbackTarget: targets.has(id),
      matrix:
        step.matrix === undefined
          ? undefined
          : typeof step.matrix === 'string'
            ? 'computed'
            : Object.keys(step.matrix),
    };
    return stepReferenceIssues(step, scope, { ...scope, upstream: upstreamIn(graph, id), inLoop: true });
  });
}

// Every semantic issue of the file, each at the field at fault.
export function checkWorkflow(spec: WorkflowSpec): WorkflowIssue[] {
  const graph = buildStepGraph(spec);
  const inputs: WorkflowIssue[] = Object.entries(spec.inputs).flatMap(([name, input]) => {
    const message = defaultProblem(input);
    return message === undefined ? [] : [{ path: ['inputs', name, 'default'], message }];
  });
  return [...inputs, ...structureIssues(spec, graph), ...findCycles(graph), ...referenceIssues(spec, graph)];
}

// The order the steps run in: level by level (a step's level is one past its latest wait), in
// file order within a level; the steps of one level may run at once. Throws on an invalid spec.
export function planWorkflow(spec: WorkflowSpec): WorkflowPlan {
  const issues = checkWorkflow(spec);
  if (issues.length > 0)
    throw new WorkflowInvalidError(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'), {
      issues,
    });
  const graph = buildStepGraph(spec);
  const level = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const waits = graph.waits.get(id) ?? [];
    const value = waits.length === 0 ? 0 : 1 + Math.max(...waits.map((w) => levelOf(w.id)));
    level.set(id, value);
    return value;
  };
  const levels: string[][] = [];
  for (const id of graph.ids) (levels[levelOf(id)] ??= []).push(id);
  const order = levels.flat();
  const roles: Record<string, string> = {};
  const gates: string[] = [];
  const loops: WorkflowPlan['loops'] = [];
  for (const id of order) {
    const step = spec.steps[id];
    if (step?.kind === 'agent') roles[id] = step.role;
    if (step?.kind === 'gate') gates.push(id);
    if (step?.kind === 'loop')
      loops.push({
        id,
        steps: order.filter((s) => graph.loopOf.get(s) === id),
        maxIterations: step.loop.max_iterations,
      });
  }
  return { order, levels, gates, roles, loops };
}
