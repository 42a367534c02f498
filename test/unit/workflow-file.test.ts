// loadWorkflowFile / parseWorkflowText: a valid file parses and plans; every problem of a bad file
// is one `file:line:col: field: message` line, all of them at once, in file order.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UsageError, WorkflowInvalidError } from '../../src/domain/errors.js';
import { planWorkflow } from '../../src/domain/workflow/workflow-graph.js';
import { loadWorkflowFile, parseWorkflowText } from '../../src/infrastructure/workflow/workflow-file.js';
import { FIX_BUGS_LEVELS, FIX_BUGS_YAML } from '../helpers/workflow-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-workflow-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNo = 0;
async function write(ext: string, text: string): Promise<string> {
  const file = join(dir, `flow-${fileNo++}.${ext}`);
  await writeFile(file, text);
  return file;
}

// The lines of the WorkflowInvalidError a bad file raises, each with its `<file>:` prefix removed.
async function problems(text: string, ext = 'yaml'): Promise<string[]> {
  const file = await write(ext, text);
  const error: unknown = await loadWorkflowFile(file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowInvalidError);
  expect((error as WorkflowInvalidError).code).toBe('WORKFLOW_INVALID');
  const lines = (error as Error).message.split('\n');
  for (const line of lines) expect(line.startsWith(`${file}:`)).toBe(true);
  return lines.map((line) => line.slice(file.length + 1));
}

// A workflow with one role (coder) and one input (issue) around the given step lines.
const flow = (...steps: string[]): string =>
  [
    'schema_version: 1',
    'name: w',
    'inputs: { issue: { type: string } }',
    'roles: { coder: { agent: sim } }',
    'steps:',
    ...steps,
    '',
  ].join('\n');

describe('a valid workflow', () => {
  it('loads the fix-bugs workflow and plans it', async () => {
    const file = await write('yaml', FIX_BUGS_YAML);
    const loaded = await loadWorkflowFile(file);
    expect(loaded.path).toBe(file);
    expect(loaded.text).toBe(FIX_BUGS_YAML);
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.spec.steps.test).toMatchObject({
      kind: 'shell',
      run: 'npm test',
      needs: ['implement-api', 'implement-ui'],
      timeout: 600_000,
      workspace: { of: 'implement-api' },
      on_failure: { retry: 1, handback: 'implement-api', then: 'fail' },
    });
    expect(loaded.spec.steps.plan?.needs).toEqual([]);
    expect(loaded.spec.limits.wall_time).toBe(1_800_000);
    const plan = planWorkflow(loaded.spec);
    expect(plan.levels).toEqual(FIX_BUGS_LEVELS);
    expect(plan.order).toEqual(plan.levels.flat());
  });

  it('reads the same workflow as JSON, with the same hash', async () => {
    const yaml = await loadWorkflowFile(await write('yaml', FIX_BUGS_YAML));
    const json = await loadWorkflowFile(await write('json', JSON.stringify(parse(FIX_BUGS_YAML), null, 2)));
    expect(json.spec).toEqual(yaml.spec);
    expect(json.hash).toBe(yaml.hash);
  });

  it('hashes what runs: not comments, key order or a need written as a name', () => {
    const a = parseWorkflowText(flow('  a: { run: x }', '  b: { run: y, needs: a }'), 'a.yaml');
    const b = parseWorkflowText(
      flow('  # the same', '  b: { needs: [a], run: y }', '  a:', '    run: x'),
      'b.yaml',
    );
    const c = parseWorkflowText(flow('  a: { run: x }', '  b: { run: z, needs: a }'), 'c.yaml');
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  });

  it('says a file that is not there cannot be read (a usage error)', async () => {
    await expect(loadWorkflowFile(join(dir, 'missing.yaml'))).rejects.toThrow(UsageError);
  });
});

describe('a bad workflow: one line per issue, at line:col and field', () => {
  it('points at an unknown key itself, at the top, in a step and in a step’s part', async () => {
    expect(
      await problems(flow('  a: { run: x, bogus: 1 }', '  b:', '    gate: { mesage: hi }', 'extra: 2')),
    ).toEqual([
      '6:16: steps.a.bogus: is not a field a workflow file knows',
      '8:13: steps.b.gate.mesage: is not a field a workflow file knows',
      '9:1: extra: is not a field a workflow file knows',
    ]);
    expect(
      await problems('{"schema_version": 1, "name": "w",\n "steps": {"a": {"run": "x", "nope": 1}}}', 'json'),
    ).toEqual(['2:30: steps.a.nope: is not a field a workflow file knows']);
  });

  it('refuses a step of two kinds', async () => {
    expect(await problems(flow('  a:', '    run: x', '    role: coder', '    prompt: y'))).toEqual([
      '7:5: steps.a: a step is one kind: it has prompt and run',
    ]);
  });

  it('finds a role that is not declared', async () => {
    expect(await problems(flow('  a: { role: tester, prompt: go }'))).toEqual([
      '6:14: steps.a.role: no role is named tester (roles: coder)',
    ]);
  });

  it('names a cycle', async () => {
    expect(
      await problems(
        flow('  plan: { role: coder, prompt: p, needs: test }', '  test: { run: t, needs: [plan] }'),
      ),
    ).toEqual(['6:42: steps.plan.needs: a cycle: plan → test → plan']);
  });

  it('finds a need that names no step', async () => {
    expect(await problems(flow('  a: { run: x }', '  test:', '    run: t', '    needs: [a, nope]'))).toEqual([
      '9:16: steps.test.needs[1]: needs nope, which is no step of the workflow',
    ]);
  });

  it('finds an unknown variable in a prompt', async () => {
    expect(await problems(flow('  a:', '    role: coder', '    prompt: "Fix ${{ inputs.isue }}"'))).toEqual([
      '8:13: steps.a.prompt: unknown variable inputs.isue: no input is named isue',
    ]);
  });

  it('finds a matrix variable outside a matrix step', async () => {
    expect(await problems(flow('  a: { run: "test ${{ matrix.os }}" }'))).toEqual([
      '6:13: steps.a.run: matrix.os: only a step with a matrix has matrix values',
    ]);
  });

  it('refuses a bad duration', async () => {
    expect(await problems(flow('  a: { run: x, timeout: 10q }'))).toEqual([
      '6:25: steps.a.timeout: must be a duration such as 30s, 5m, 1h or 1500ms',
    ]);
    expect(await problems(flow('  a: { run: x, timeout: 0s }'))).toEqual([
      '6:25: steps.a.timeout: must be more than zero',
    ]);
  });

  it('refuses a handback to a step downstream', async () => {
    expect(
      await problems(
        flow(
          '  test:',
          '    run: t',
          '    on_failure: { handback: fix }',
          '  fix: { role: coder, prompt: f, needs: test }',
        ),
      ),
    ).toEqual([
      '8:29: steps.test.on_failure.handback: fix does not run before test: a failure goes back upstream',
    ]);
  });

  it('finds an output that the step does not declare', async () => {
    expect(
      await problems(
        flow(
          '  plan: { role: coder, prompt: p, outputs: { plan: plan.md } }',
          '  impl: { role: coder, needs: plan, prompt: "${{ steps.plan.outputs.plan.text }} ${{ steps.plan.outputs.notes }}" }',
        ),
      ),
    ).toEqual([
      '7:45: steps.impl.prompt: unknown variable steps.plan.outputs.notes: plan declares no output notes',
    ]);
  });

  it('lists every issue, schema and graph alike, in file order', async () => {
    expect(
      await problems(
        flow(
          '  a: { role: ghost, prompt: "${{ inputs.nope }}", timeout: soon }',
          '  b: { run: x, needs: [a, c], extra: true }',
          '  c: { run: y, needs: b, on_failure: { handback: b, retry: 99 } }',
          '  D: { run: z }',
        ).replace('schema_version: 1', 'schema_version: 2'),
      ),
    ).toEqual([
      '1:17: schema_version: must be 1 (the only version there is)',
      '6:14: steps.a.role: no role is named ghost (roles: coder)',
      '6:29: steps.a.prompt: unknown variable inputs.nope: no input is named nope',
      '6:60: steps.a.timeout: must be a duration such as 30s, 5m, 1h or 1500ms',
      '7:27: steps.b.needs[1]: a cycle: b → c → b',
      '7:31: steps.b.extra: is not a field a workflow file knows',
      // (c's on_failure is at fault, so its handback to a shell step is not judged as well)
      '8:60: steps.c.on_failure.retry: Too big: expected number to be <=20',
      '9:3: steps.D: must be a step id: lower-case letters, digits, - or _',
    ]);
  });

  it('says what type a field must be, and what is missing', async () => {
    expect(
      await problems(
        flow(
          '  a: { run: [x], matrix: { os: [l], n: 3 }, max-parallel: "2", env: [] }',
          '  b: { prompt: hi }',
        ),
      ),
    ).toEqual([
      '6:13: steps.a.run: must be a string (not a list)',
      '6:40: steps.a.matrix.n: must be a list (not a number)',
      '6:59: steps.a.max-parallel: must be a number (not a string)',
      '6:69: steps.a.env: must be a map (not a list)',
      '7:6: steps.b.role: is required',
    ]);
    expect(await problems('')).toEqual([
      '1:1: top level: the file is empty: a workflow has schema_version, name and steps',
    ]);
    expect(await problems('- a\n')).toEqual(['1:1: top level: must be a map of fields']);
    expect(await problems('schema_version: 1\nsteps: {}\n')).toEqual([
      '1:1: name: is required',
      '2:8: steps: must name a step',
    ]);
  });

  it('does not judge what a step reads when its needs are at fault', async () => {
    expect(
      await problems(flow('  a: { run: x }', '  b: { run: "${{ steps.a.status }}", needs: 5 }')),
    ).toEqual(['7:45: steps.b.needs: must be a step id or a list of step ids']);
  });

  it('reports YAML and JSON syntax errors at their line and column', async () => {
    expect(await problems(flow('  a: { run: x }', '  a: { run: y }'))).toEqual([
      '7:3: not valid YAML (Map keys must be unique)',
    ]);
    expect((await problems('{"schema_version": 1,}', 'json'))[0]).toMatch(/^1:22: not valid JSON \(/);
  });
});

describe('a YAML alias bomb', () => {
  it('is refused as a file tmuxorch does not read, with a location, not an internal error', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i += 1) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${prev}`).join(', ')}]`);
    }
    expect(() => parseWorkflowText(`${levels.join('\n')}\n`, 'bomb.yaml')).toThrow(
      expect.objectContaining({ code: 'WORKFLOW_INVALID', message: expect.stringMatching(/bomb\.yaml:1:1/) }),
    );
  });
});
