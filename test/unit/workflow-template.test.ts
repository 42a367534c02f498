// Templates: `${{ path }}` parts are found with their offsets, rendered from a resolver, and an
// unknown variable is an error rather than an empty hole in an agent's prompt.
import { describe, expect, it } from 'vitest';
import { WorkflowInvalidError } from '../../src/domain/errors.js';
import { parseTemplate, renderTemplate, templateReferences } from '../../src/domain/workflow/template.js';

function error(run: () => unknown): WorkflowInvalidError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(WorkflowInvalidError);
    expect((e as WorkflowInvalidError).code).toBe('WORKFLOW_INVALID');
    return e as WorkflowInvalidError;
  }
  throw new Error('did not throw');
}

describe('parseTemplate', () => {
  it('splits text and references, with each reference source and offset', () => {
    expect(parseTemplate('Plan ${{ inputs.issue }} now')).toEqual([
      { text: 'Plan ' },
      { ref: ['inputs', 'issue'], source: '${{ inputs.issue }}', offset: 5 },
      { text: ' now' },
    ]);
    expect(parseTemplate('${{steps.fix-bugs.outputs.plan_1.text}}${{ run.id }}')).toEqual([
      {
        ref: ['steps', 'fix-bugs', 'outputs', 'plan_1', 'text'],
        source: '${{steps.fix-bugs.outputs.plan_1.text}}',
        offset: 0,
      },
      { ref: ['run', 'id'], source: '${{ run.id }}', offset: 39 },
    ]);
  });

  it('leaves text without references (and lone $ or braces) as it is', () => {
    expect(parseTemplate('echo $HOME ${x} {{ y }}')).toEqual([{ text: 'echo $HOME ${x} {{ y }}' }]);
    expect(parseTemplate('')).toEqual([]);
  });

  it('refuses an unclosed ${{, an empty reference and a malformed one', () => {
    expect(error(() => parseTemplate('a ${{ inputs.x')).message).toMatch(/column 3 is never closed/);
    expect(error(() => parseTemplate('${{ }}')).message).toMatch(/empty reference/);
    expect(error(() => parseTemplate('${{ inputs..x }}')).message).toMatch(/empty segment/);
    expect(error(() => parseTemplate('${{ inputs.x == 1 }}')).message).toMatch(/not a reference path/);
    expect(error(() => parseTemplate('${{ 1abc }}')).message).toMatch(/not a reference path/);
  });

  it('lists the references in order', () => {
    expect(templateReferences('${{ a.b }} and ${{ c }}')).toEqual([['a', 'b'], ['c']]);
  });
});

describe('renderTemplate', () => {
  const values: Record<string, string> = {
    'inputs.issue': '#42',
    'steps.plan.outputs.plan.text': 'do it',
    'loop.iteration': '2',
  };
  const resolve = (ref: readonly string[]) => values[ref.join('.')];

  it('replaces each reference with its value', () => {
    expect(
      renderTemplate(
        'Fix ${{ inputs.issue }} (try ${{loop.iteration}}): ${{ steps.plan.outputs.plan.text }}',
        resolve,
      ),
    ).toBe('Fix #42 (try 2): do it');
  });

  it('keeps an empty value empty, but an unknown variable is an error naming it', () => {
    expect(renderTemplate('[${{ x }}]', () => '')).toBe('[]');
    const e = error(() => renderTemplate('see ${{ steps.x.outputs.y }}', resolve));
    expect(e.message).toBe('unknown variable steps.x.outputs.y');
  });
});
