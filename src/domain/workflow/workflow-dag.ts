// The steps of a workflow as a graph of waits: what each step waits for, with the field of the
// file that makes it wait (so an issue can point at it). A loop's steps also wait for what the loop
// needs, and the loop waits for its steps (it is done when its last iteration is), so a step after
// the loop sees the outputs of the loop's steps.
import type { StepSpec, WorkflowSpec } from './workflow-spec.js';

export type IssuePath = readonly (string | number)[];
export interface WorkflowIssue {
  readonly path: IssuePath;
  readonly message: string;
}

export interface Wait {
  readonly id: string;
  readonly path: IssuePath;
}

export interface StepGraph {
  // Step ids in file order.
  readonly ids: readonly string[];
  readonly steps: Readonly<Record<string, StepSpec>>;
  // A loop's step → the loop (the first loop that names it).
  readonly loopOf: ReadonlyMap<string, string>;
  // A step → what it waits for; names that are no step (or itself, or its own loop) are left out.
  readonly waits: ReadonlyMap<string, readonly Wait[]>;
}

export function buildStepGraph(spec: WorkflowSpec): StepGraph {
  const steps = spec.steps;
  const ids = Object.keys(steps);
  const exists = (id: string): boolean => Object.hasOwn(steps, id);
  const loopOf = new Map<string, string>();
  for (const id of ids) {
    const step = steps[id];
    if (step?.kind !== 'loop') continue;
    for (const member of step.loop.steps)
      if (exists(member) && member !== id && !loopOf.has(member)) loopOf.set(member, id);
  }
  const needsOf = (id: string): Wait[] =>
    (steps[id]?.needs ?? []).flatMap((need, i) =>
      exists(need) && need !== id && need !== loopOf.get(id)
        ? [{ id: need, path: ['steps', id, 'needs', i] }]
        : [],
    );
  const waits = new Map<string, Wait[]>();
  for (const id of ids) {
    const step = steps[id];
    const own = needsOf(id);
    const loop = loopOf.get(id);
    // A loop's steps wait for what the loop needs (a loop inside a loop is refused elsewhere).
    const inherited = loop === undefined ? [] : needsOf(loop).filter((w) => w.id !== id);
    const members =
      step?.kind === 'loop'
        ? step.loop.steps.flatMap((m, i) =>
            loopOf.get(m) === id ? [{ id: m, path: ['steps', id, 'loop', 'steps', i] }] : [],
          )
        : [];
    waits.set(id, [...own, ...inherited, ...members]);
  }
  return { ids, steps, loopOf, waits };
}

// Every step reachable from `from` through waits (not `from` itself, unless on a cycle).
export function waitClosure(graph: StepGraph, from: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...from];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    for (const wait of graph.waits.get(next) ?? []) todo.push(wait.id);
  }
  return seen;
}

// The steps that have finished before `stepId` starts: its waits, transitively.
export function upstreamIn(graph: StepGraph, stepId: string): Set<string> {
  const up = waitClosure(
    graph,
    (graph.waits.get(stepId) ?? []).map((w) => w.id),
  );
  up.delete(stepId);
  return up;
}

// The cycles among the waits (Tarjan's strongly connected components), each named in the
// direction work flows, from its first step in file order: "plan → test → plan" (test needs
// plan, plan needs test), at the field that makes that first step wait.
export function findCycles(graph: StepGraph): WorkflowIssue[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (id: string): void => {
    index.set(id, counter);
    low.set(id, counter++);
    stack.push(id);
    onStack.add(id);
    for (const { id: next } of graph.waits.get(id) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) low.set(id, Math.min(low.get(id) ?? 0, index.get(next) ?? 0));
    }
    if (low.get(id) !== index.get(id)) return;
    const component: string[] = [];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      onStack.delete(top);
      component.push(top);
      if (top === id) break;
    }
    if (component.length > 1) components.push(component);
  };
  for (const id of graph.ids) if (!index.has(id)) visit(id);

  const order = new Map(graph.ids.map((id, i) => [id, i]));
  return components
    .map((component) => {
      const members = new Set(component);
      const first = [...component].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))[0] ?? '';
      // Shortest way round, breadth first, from the first step back to it through its waits.
      const from = new Map<string, { prev: string; path: IssuePath }>();
      const queue = [first];
      for (let i = 0; i < queue.length && !from.has(first); i++) {
        const at = queue[i] ?? '';
        for (const wait of graph.waits.get(at) ?? []) {
          if (!members.has(wait.id) || from.has(wait.id)) continue;
          from.set(wait.id, { prev: at, path: wait.path });
          queue.push(wait.id);
        }
      }
      // Walking back from `first` gives the steps in the order work flows through them.
      const names = [first];
      let path: IssuePath = ['steps', first];
      for (let at = first; ;) {
        const step = from.get(at);
        if (!step) break;
        if (step.prev === first) path = step.path;
        names.push(step.prev);
        at = step.prev;
        if (at === first) break;
      }
      return { at: order.get(first) ?? 0, issue: { path, message: `a cycle: ${names.join(' → ')}` } };
    })
    .sort((a, b) => a.at - b.at)
    .map((c) => c.issue);
}
