// The JSON Schema an editor validates a workflow file with: it accepts what the file's own schema
// accepts (the example in workflow-spec.ts's header, the test fixtures) and refuses unknown keys.
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkWorkflow } from '../../src/domain/workflow/workflow-graph.js';
import { workflowJsonSchema } from '../../src/domain/workflow/workflow-json-schema.js';
import { workflowSchema, type WorkflowSpec } from '../../src/domain/workflow/workflow-spec.js';
import { FIX_BUGS_YAML } from '../helpers/workflow-fixtures.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(workflowJsonSchema());
const errors = (doc: unknown): string[] =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);

// The example of workflow-spec.ts's header comment, as YAML.
async function headerExample(): Promise<unknown> {
  const source = await readFile(
    new URL('../../src/domain/workflow/workflow-spec.ts', import.meta.url),
    'utf8',
  );
  const lines = source.split('\n');
  const from = lines.findIndex((l) => l.startsWith('//   schema_version: 1'));
  const to = lines.findIndex((l, i) => i > from && l === '//');
  return parse(
    lines
      .slice(from, to)
      .map((l) => l.slice(5))
      .join('\n'),
  );
}

describe('workflowJsonSchema', () => {
  it('accepts the example of the spec’s header, which the file’s own checks accept too', async () => {
    const example = await headerExample();
    expect(errors(example)).toEqual([]);
    expect(checkWorkflow(workflowSchema.parse(example) as WorkflowSpec)).toEqual([]);
  });

  it('accepts the fix-bugs fixture', () => {
    expect(errors(parse(FIX_BUGS_YAML))).toEqual([]);
  });

  it('refuses an unknown key at the top, in a step and in a step’s part', () => {
    const doc = parse(FIX_BUGS_YAML) as { steps: Record<string, Record<string, unknown>> } & Record<
      string,
      unknown
    >;
    expect(validate({ ...doc, bogus: 1 })).toBe(false);
    expect(validate({ ...doc, steps: { ...doc.steps, plan: { ...doc.steps.plan, bogus: 1 } } })).toBe(false);
    expect(
      validate({
        ...doc,
        steps: { ...doc.steps, fix: { loop: { steps: ['plan'], until: 'true', max_iterations: 1, x: 1 } } },
      }),
    ).toBe(false);
  });

  it('refuses a step of two kinds or of none, a bad step id and no steps', () => {
    const base = { schema_version: 1, name: 'w' };
    expect(validate({ ...base, steps: { a: { run: 'x' } } })).toBe(true);
    expect(validate({ ...base, steps: { a: { run: 'x', prompt: 'y', role: 'r' } } })).toBe(false);
    expect(validate({ ...base, steps: { a: { needs: [] } } })).toBe(false);
    expect(validate({ ...base, steps: { A: { run: 'x' } } })).toBe(false);
    expect(validate({ ...base, steps: {} })).toBe(false);
    expect(validate({ ...base, schema_version: 2, steps: { a: { run: 'x' } } })).toBe(false);
    expect(validate({ ...base, steps: { a: { run: 'x', timeout: '1.5m' } } })).toBe(true);
    expect(validate({ ...base, steps: { a: { run: 'x', timeout: '10q' } } })).toBe(false);
  });
});
