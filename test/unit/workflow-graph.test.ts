// checkWorkflow (every issue at its field), planWorkflow (order, levels), upstreamOf, resolveInputs.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WorkflowInvalidError } from '../../src/domain/errors.js';
import {
  checkWorkflow,
  planWorkflow,
  resolveInputs,
  upstreamOf,
  type WorkflowIssue,
} from '../../src/domain/workflow/workflow-graph.js';
import { workflowSchema, type WorkflowSpec } from '../../src/domain/workflow/workflow-spec.js';
import { FIX_BUGS_LEVELS, FIX_BUGS_YAML } from '../helpers/workflow-fixtures.js';

const fixBugs = (): Record<string, unknown> => parse(FIX_BUGS_YAML) as Record<string, unknown>;
const specOf = (raw: unknown): WorkflowSpec => workflowSchema.parse(raw) as WorkflowSpec;
// A small workflow of the given steps, with one role `coder` and one input `issue`.
const small = (steps: Record<string, unknown>, extra: Record<string, unknown> = {}): WorkflowSpec =>
  specOf({
    schema_version: 1,
    name: 'w',
    inputs: { issue: { type: 'string' } },
    roles: { coder: { agent: 'sim' } },
    steps,
    ...extra,
  });
const issues = (steps: Record<string, unknown>, extra?: Record<string, unknown>): WorkflowIssue[] =>
  checkWorkflow(small(steps, extra));
const agent = (more: Record<string, unknown> = {}) => ({ role: 'coder', prompt: 'go', ...more });

describe('the fix-bugs workflow', () => {
  it('has no issues and plans levels of steps that may run at once', () => {
    const spec = specOf(fixBugs());
    expect(checkWorkflow(spec)).toEqual([]);
    const plan = planWorkflow(spec);
    expect(plan.levels).toEqual(FIX_BUGS_LEVELS);
    expect(plan.order).toEqual([
      'plan',
      'implement-api',
      'implement-ui',
      'test',
      'fix',
      'review',
      'approve',
      'merge',
    ]);
    expect(plan.gates).toEqual(['approve']);
    expect(plan.roles).toEqual({
      plan: 'planner',
      'implement-api': 'coder',
      'implement-ui': 'coder',
      review: 'reviewer',
    });
    expect(plan.loops).toEqual([
      { id: 'fix', steps: ['implement-api', 'implement-ui', 'test'], maxIterations: 3 },
    ]);
  });

  it('counts a loop’s needs for its steps and the loop’s steps for what follows the loop', () => {
    const spec = specOf(fixBugs());
    expect([...upstreamOf(spec, 'test')].sort()).toEqual(['implement-api', 'implement-ui', 'plan']);
    expect([...upstreamOf(spec, 'fix')].sort()).toEqual(['implement-api', 'implement-ui', 'plan', 'test']);
    expect(upstreamOf(spec, 'merge').has('implement-ui')).toBe(true);
    expect(upstreamOf(spec, 'plan').size).toBe(0);
  });

  it('keeps file order among steps of one level', () => {
    const plan = planWorkflow(issuesSpec({ c: agent(), a: agent({ needs: 'c' }), b: agent() }));
    expect(plan.levels).toEqual([['c', 'b'], ['a']]);
    expect(plan.order).toEqual(['c', 'b', 'a']);
  });

  it('refuses to plan an invalid workflow', () => {
    expect(() => planWorkflow(issuesSpec({ a: agent({ needs: 'nope' }) }))).toThrow(WorkflowInvalidError);
  });
});

function issuesSpec(steps: Record<string, unknown>): WorkflowSpec {
  return small(steps);
}

describe('checkWorkflow: names', () => {
  it('finds a need that names no step, and a step that needs itself', () => {
    expect(issues({ a: agent({ needs: ['a', 'nope'] }) })).toEqual([
      { path: ['steps', 'a', 'needs', 0], message: 'a step cannot need itself' },
      { path: ['steps', 'a', 'needs', 1], message: 'needs nope, which is no step of the workflow' },
    ]);
  });

  it('names a cycle in the direction work flows, at the first step’s need', () => {
    expect(issues({ plan: agent({ needs: 'test' }), test: { run: 'x', needs: 'plan' } })).toEqual([
      { path: ['steps', 'plan', 'needs', 0], message: 'a cycle: plan → test → plan' },
    ]);
    expect(
      issues({
        a: agent({ needs: ['c'] }),
        b: agent({ needs: 'a' }),
        c: agent({ needs: ['b'] }),
        d: agent({ needs: 'a' }),
      }),
    ).toEqual([{ path: ['steps', 'a', 'needs', 0], message: 'a cycle: a → b → c → a' }]);
  });

  it('finds an agent step whose role is not declared', () => {
    expect(issues({ a: { role: 'nobody', prompt: 'x' } })).toEqual([
      { path: ['steps', 'a', 'role'], message: 'no role is named nobody (roles: coder)' },
    ]);
  });

  it('sends a failure back only to an agent step upstream', () => {
    const found = issues({
      a: agent(),
      t: { run: 'x', needs: 'a', on_failure: { handback: 'later' } },
      later: agent({ needs: 't' }),
      u: { run: 'y', needs: 't', on_failure: { handback: 't' } },
      v: { run: 'y', on_failure: { handback: 'ghost' } },
    });
    expect(found).toEqual([
      {
        path: ['steps', 't', 'on_failure', 'handback'],
        message: 'later does not run before t: a failure goes back upstream',
      },
      {
        path: ['steps', 'u', 'on_failure', 'handback'],
        message: 't is not an agent step: only an agent can take a failure back',
      },
      { path: ['steps', 'v', 'on_failure', 'handback'], message: 'no step is named ghost' },
    ]);
  });

  it('takes a workspace and merges only from steps upstream', () => {
    expect(
      issues({
        a: agent(),
        t: { run: 'x', workspace: { of: 'a' } },
        m: { merge: { steps: ['a', 'ghost'] }, needs: 't' },
      }),
    ).toEqual([
      { path: ['steps', 't', 'workspace', 'of'], message: 'a does not run before t (add it to needs)' },
      { path: ['steps', 'm', 'merge', 'steps', 0], message: 'a does not run before m (add it to needs)' },
      { path: ['steps', 'm', 'merge', 'steps', 1], message: 'no step is named ghost' },
    ]);
  });
});

describe('checkWorkflow: loops', () => {
  const loop = (steps: string[], more: Record<string, unknown> = {}) => ({
    loop: { steps, until: 'true', max_iterations: 2 },
    ...more,
  });

  it('finds unknown steps, a loop inside a loop and a step in two loops', () => {
    expect(
      issues({
        a: agent(),
        b: agent(),
        l1: loop(['a', 'ghost']),
        l2: loop(['a', 'l1', 'b', 'b']),
      }),
    ).toEqual([
      { path: ['steps', 'l1'], message: 'a loop cannot run inside a loop (l2)' },
      { path: ['steps', 'l1', 'loop', 'steps', 1], message: 'no step is named ghost' },
      { path: ['steps', 'l2', 'loop', 'steps', 0], message: 'a is already a step of loop l1' },
      { path: ['steps', 'l2', 'loop', 'steps', 1], message: 'l1 is a loop: a loop cannot run inside a loop' },
      { path: ['steps', 'l2', 'loop', 'steps', 3], message: 'b is listed twice' },
    ]);
  });

  it('lets a loop’s steps need each other and what the loop needs, nothing else', () => {
    const steps = {
      before: agent(),
      other: agent(),
      a: agent({ needs: ['before'] }),
      b: agent({ needs: ['a', 'other', 'l'] }),
      l: loop(['a', 'b'], { needs: 'before' }),
      after: agent({ needs: ['l', 'a'] }),
    };
    expect(issues(steps)).toEqual([
      { path: ['steps', 'b', 'needs', 2], message: 'a step of loop l runs inside it: it cannot need it' },
      {
        path: ['steps', 'b', 'needs', 1],
        message:
          "other does not run before loop l: a step of a loop needs its loop's steps or what the loop needs",
      },
      { path: ['steps', 'after', 'needs', 1], message: 'a runs inside loop l: need the loop instead' },
    ]);
  });

  it('makes a loop’s steps wait for what the loop needs', () => {
    const spec = small({
      before: agent(),
      a: agent({ prompt: '${{ steps.before.summary }}' }),
      l: loop(['a'], { needs: 'before' }),
    });
    expect(checkWorkflow(spec)).toEqual([]);
    expect([...upstreamOf(spec, 'a')]).toEqual(['before']);
    expect(planWorkflow(spec).levels).toEqual([['before'], ['a'], ['l']]);
  });

  it('refuses a loop that needs its own steps', () => {
    expect(issues({ a: agent(), l: loop(['a'], { needs: 'a' }) })).toEqual([
      {
        path: ['steps', 'l', 'needs', 0],
        message: 'a runs inside this loop: a loop does not need its own steps',
      },
    ]);
  });

  it('lets until read the loop’s steps and loop.iteration, but not the loop’s if', () => {
    expect(
      issues({
        a: agent({ outputs: { o: 'o.txt' } }),
        l: loop(['a'], { if: "steps.a.status == 'x'" }),
      }).map((i) => i.message),
    ).toEqual(['steps.a.status: a does not run before l (add it to needs)']);
    const ok = small({
      a: agent(),
      l: {
        loop: {
          steps: ['a'],
          until: "steps.a.status == 'succeeded' && loop.iteration > 1",
          max_iterations: 2,
        },
      },
    });
    expect(checkWorkflow(ok)).toEqual([]);
  });
});

describe('checkWorkflow: references', () => {
  it('finds unknown inputs, steps, outputs and steps not upstream', () => {
    expect(
      issues({
        a: agent({
          outputs: { o: 'o.txt' },
          prompt: '${{ inputs.issue }} ${{ inputs.nope }} ${{ steps.b.status }}',
        }),
        b: agent({
          needs: 'a',
          prompt:
            '${{ steps.a.outputs.o.text }} ${{ steps.a.outputs.x }} ${{ steps.a.outputs.o.json }} ${{ steps.ghost.summary }} ${{ steps.a.bogus }} ${{ steps.b.status }} ${{ runs.id }}',
        }),
      }),
    ).toEqual([
      { path: ['steps', 'a', 'prompt'], message: 'unknown variable inputs.nope: no input is named nope' },
      {
        path: ['steps', 'a', 'prompt'],
        message: 'steps.b.status: b does not run before a (add it to needs)',
      },
      {
        path: ['steps', 'b', 'prompt'],
        message: 'unknown variable steps.a.outputs.x: a declares no output x',
      },
      {
        path: ['steps', 'b', 'prompt'],
        message: 'unknown variable steps.a.outputs.o.json: an output is its path, or its text (.text)',
      },
      {
        path: ['steps', 'b', 'prompt'],
        message: 'unknown variable steps.ghost.summary: no step is named ghost',
      },
      { path: ['steps', 'b', 'prompt'], message: 'unknown variable steps.a.bogus' },
      { path: ['steps', 'b', 'prompt'], message: 'steps.b.status: a step cannot read its own results' },
      { path: ['steps', 'b', 'prompt'], message: 'unknown variable runs.id' },
    ]);
  });

  it('checks every template and expression field', () => {
    expect(
      issues({
        s: { run: 'echo ${{ inputs.x1 }}', if: 'inputs.x2' },
        g: {
          gate: {
            message: '${{ inputs.x3 }}',
            show: ['steps.s.outputs.none', 'report.md', 'steps.s.status'],
          },
          needs: 's',
        },
        m: { merge: { steps: ['s'], verify: 'make ${{ inputs.x4 }}' }, needs: 's' },
        z: { run: 'z' },
        l: { loop: { steps: ['z'], until: 'inputs.x5', max_iterations: 1 } },
        x: { run: 'x', matrix: 'inputs.x6' },
      }).map((i) => `${i.path.join('.')}: ${i.message}`),
    ).toEqual([
      'steps.s.if: unknown variable inputs.x2: no input is named x2',
      'steps.s.run: unknown variable inputs.x1: no input is named x1',
      'steps.g.gate.message: unknown variable inputs.x3: no input is named x3',
      'steps.g.gate.show.0: unknown variable steps.s.outputs.none: s declares no output none',
      'steps.g.gate.show.2: steps.s.status: a gate shows outputs (steps.ID.outputs.NAME)',
      'steps.m.merge.verify: unknown variable inputs.x4: no input is named x4',
      'steps.l.loop.until: unknown variable inputs.x5: no input is named x5',
      'steps.x.matrix: unknown variable inputs.x6: no input is named x6',
    ]);
  });

  it('allows matrix.* only in a matrix step and only its keys', () => {
    expect(
      issues({
        a: { run: 'test ${{ matrix.os }}' },
        b: { run: 'test ${{ matrix.os }} ${{ matrix.node }}', matrix: { os: ['linux', 'mac'] } },
        c: { run: 'test ${{ matrix.anything }}', matrix: 'inputs.issue' },
        d: { run: 'x', matrix: 'matrix.self' },
      }),
    ).toEqual([
      { path: ['steps', 'a', 'run'], message: 'matrix.os: only a step with a matrix has matrix values' },
      { path: ['steps', 'b', 'run'], message: 'unknown variable matrix.node: the matrix has no key node' },
      { path: ['steps', 'd', 'matrix'], message: 'matrix.self: only a step with a matrix has matrix values' },
    ]);
  });

  it('allows loop.iteration only in a loop and failure.* only in a handback target', () => {
    expect(
      issues({
        a: agent({ prompt: '${{ loop.iteration }} ${{ failure.output }} ${{ failure.step }}' }),
        b: agent({ prompt: '${{ failure.output }} ${{ run.id }} ${{ run.dir }} ${{ step.dir }}' }),
        t: { run: 'x', needs: 'b', on_failure: { handback: 'b' } },
      }).map((i) => i.message),
    ).toEqual([
      'loop.iteration: only the steps of a loop (and its until) have one',
      'failure.output: only a step that an on_failure.handback names has one',
      'failure.step: only a step that an on_failure.handback names has one',
    ]);
  });

  it('reports a template or expression that does not parse', () => {
    expect(issues({ a: agent({ prompt: 'x ${{ inputs.issue', if: "inputs.issue = 'x'" }) })).toEqual([
      { path: ['steps', 'a', 'if'], message: `unexpected "=" at column 14 of "inputs.issue = 'x'"` },
      { path: ['steps', 'a', 'prompt'], message: '"${{" at column 3 is never closed with "}}"' },
    ]);
  });

  it('finds a default that does not fit its input’s type', () => {
    expect(
      issues(
        { a: agent() },
        { inputs: { n: { type: 'number', default: 'three' }, l: { type: 'array', default: ['a'] } } },
      ),
    ).toEqual([{ path: ['inputs', 'n', 'default'], message: "must be a number, as the input's type" }]);
  });
});

describe('resolveInputs', () => {
  const spec = small(
    { a: agent() },
    {
      inputs: {
        issue: { type: 'string', required: true },
        n: { type: 'number', default: 2 },
        flag: { type: 'boolean' },
        list: { type: 'array' },
      },
    },
  );
  const fails = (given: Record<string, string>): string => {
    try {
      resolveInputs(spec, given);
    } catch (e) {
      expect(e).toBeInstanceOf(WorkflowInvalidError);
      return (e as Error).message;
    }
    throw new Error('did not throw');
  };

  it('types the given strings and applies the defaults', () => {
    expect(resolveInputs(spec, { issue: '42', flag: 'true', list: 'a, b' })).toEqual({
      issue: '42',
      n: 2,
      flag: true,
      list: ['a', 'b'],
    });
    expect(resolveInputs(spec, { issue: 'x', n: '1.5', flag: 'false', list: '["a", 1, true]' })).toEqual({
      issue: 'x',
      n: 1.5,
      flag: false,
      list: ['a', 1, true],
    });
  });

  it('names a missing, unknown or bad input, all at once', () => {
    expect(fails({})).toBe('input issue: is required (--input issue=…)');
    expect(fails({ issue: 'x', nope: '1' })).toBe(
      'input nope: the workflow has no such input (it has: issue, n, flag, list)',
    );
    expect(fails({ n: 'two', flag: 'yes', list: '[{"a":1}]' }).split('\n')).toEqual([
      'input issue: is required (--input issue=…)',
      'input n: must be a number (got "two")',
      'input flag: must be true or false (got "yes")',
      'input list: must be a list of strings, numbers or booleans',
    ]);
    expect(fails({ issue: 'x', n: ' ' })).toBe('input n: must be a number (got " ")');
    expect(fails({ issue: 'x', list: '[1,' })).toMatch(/^input list: must be a JSON list/);
  });
});
