// A workflow whose schema check failed is still checked as a graph, so that one look at the file
// lists every problem (a typo in one step and a cycle elsewhere). Each part that does not parse is
// read without the fields at fault, or, when that is not enough, replaced by a stand-in that keeps
// what the graph needs of it (needs, output names, kind, a loop's or merge's steps); issues inside
// what was left out are not reported twice (zod reported them).
import type { IssuePath, WorkflowIssue } from './workflow-dag.js';
import { checkWorkflow } from './workflow-graph.js';
import {
  inputSpecSchema,
  KIND_KEYS,
  roleSpecSchema,
  STEP_KINDS,
  stepSpecSchema,
  type InputSpec,
  type RoleSpec,
  type StepSpec,
  type WorkflowSpec,
} from './workflow-spec.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const names = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function standIn(raw: unknown): StepSpec {
  const r = isObject(raw) ? raw : {};
  const common = {
    needs: names(r.needs),
    join: 'all_succeeded' as const,
    env: {},
    outputs: Object.fromEntries(
      Object.keys(isObject(r.outputs) ? r.outputs : {}).map((k) => [k, { path: k }]),
    ),
    on_failure: { retry: 0, then: 'fail' as const },
  };
  const kind = STEP_KINDS.find((k) => Object.hasOwn(r, KIND_KEYS[k])) ?? 'shell';
  const part = (key: string): Json => (isObject(r[key]) ? r[key] : {});
  switch (kind) {
    case 'agent':
      return { ...common, kind, role: typeof r.role === 'string' ? r.role : '', prompt: '' };
    case 'loop':
      return {
        ...common,
        kind,
        loop: { steps: names(part('loop').steps), until: 'true', max_iterations: 1 },
      };
    case 'merge':
      return { ...common, kind, merge: { steps: names(part('merge').steps) } };
    case 'gate':
      return { ...common, kind, gate: { show: [], required: false } };
    case 'shell':
      return { ...common, kind, run: '' };
  }
}

// A value parsed with the fields zod faults left out (then the rest is still checked), or
// undefined when what is wrong is the value as a whole (two kinds of step, a missing field).
function lenient<T>(parse: (v: unknown) => { data?: T; error?: { issues: readonly Fault[] } }, raw: unknown) {
  let current = raw;
  const dropped: string[] = [];
  for (;;) {
    const result = parse(current);
    if (result.error === undefined)
      return result.data === undefined ? undefined : { value: result.data, dropped };
    if (!isObject(current)) return undefined;
    const bad = result.error.issues.flatMap((i) =>
      Array.isArray(i.keys) ? i.keys.map(String) : i.path.length > 0 ? [String(i.path[0])] : [],
    );
    const present = bad.filter((key) => Object.hasOwn(current as Json, key));
    if (present.length === 0 || present.length < new Set(bad).size) return undefined;
    current = Object.fromEntries(Object.entries(current).filter(([key]) => !present.includes(key)));
    dropped.push(...present);
  }
}
type Fault = { readonly path: readonly PropertyKey[]; readonly keys?: readonly unknown[] };

function entries<T>(
  section: string,
  raw: unknown,
  parse: (v: unknown) => { data?: T; error?: { issues: readonly Fault[] } },
  fallback: (v: unknown) => T,
) {
  const skipped: (string | number)[][] = [];
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(isObject(raw) ? raw : {})) {
    const parsed = lenient(parse, value);
    // Without its needs a step would seem to read steps that do not run before it: skip it whole.
    if (parsed === undefined || parsed.dropped.includes('needs')) skipped.push([section, key]);
    else skipped.push(...parsed.dropped.map((field) => [section, key, field]));
    out[key] = parsed?.value ?? fallback(value);
  }
  return { out, skipped };
}

const under = (path: IssuePath, prefix: readonly (string | number)[]): boolean =>
  prefix.every((part, i) => path[i] === part);

// The graph issues of a file that failed its schema check (none when it has no steps map).
export function salvageIssues(raw: unknown): WorkflowIssue[] {
  if (!isObject(raw) || !isObject(raw.steps)) return [];
  const inputs = entries<InputSpec>(
    'inputs',
    raw.inputs,
    (v) => inputSpecSchema.safeParse(v),
    () => ({ type: 'string', required: false }),
  );
  const roles = entries<RoleSpec>(
    'roles',
    raw.roles,
    (v) => roleSpecSchema.safeParse(v),
    () => ({
      agent: 'shell',
      preset: 'default',
      rules: [],
      replace_rules: false,
      protected_paths: [],
      edits: false,
      interactive: false,
    }),
  );
  const steps = entries<StepSpec>('steps', raw.steps, (v) => stepSpecSchema.safeParse(v), standIn);
  const spec: WorkflowSpec = {
    schema_version: 1,
    name: 'salvaged',
    inputs: inputs.out,
    roles: roles.out,
    limits: {},
    env: {},
    policy: { auto_asks: 'deny', protected_paths: [] },
    steps: steps.out,
  };
  const skipped = [...inputs.skipped, ...steps.skipped];
  return checkWorkflow(spec).filter((issue) => !skipped.some((prefix) => under(issue.path, prefix)));
}
