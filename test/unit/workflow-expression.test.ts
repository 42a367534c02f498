// The if:/until: language: parsing with columns, GitHub's value rules, and no way to run code.
import { describe, expect, it } from 'vitest';
import { WorkflowInvalidError } from '../../src/domain/errors.js';
import {
  evaluateExpression,
  expressionReferences,
  isTruthy,
  parseExpression,
  type ExpressionScope,
} from '../../src/domain/workflow/expression.js';

const vars: Record<string, unknown> = {
  'steps.test.status': 'succeeded',
  'steps.review.outputs.verdict.text': 'approve\n',
  'inputs.count': 3,
  'inputs.flag': false,
  'inputs.list': ['a', 'b'],
  'steps.fix-bugs.summary': 'ok',
  'matrix.n': '3',
  'loop.iteration': 2,
  'inputs.none': null,
};
const scope: ExpressionScope = { resolve: (ref) => vars[ref.join('.')] };
const run = (text: string, s: ExpressionScope = scope) => evaluateExpression(parseExpression(text), s);

function error(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WorkflowInvalidError);
    return (e as Error).message;
  }
  throw new Error('did not throw');
}

describe('parseExpression', () => {
  it('parses literals, references, operators and calls with the usual precedence', () => {
    expect(parseExpression("a.b == 'x' || !c && d")).toEqual({
      kind: 'binary',
      op: '||',
      left: {
        kind: 'binary',
        op: '==',
        left: { kind: 'ref', path: ['a', 'b'], offset: 0 },
        right: { kind: 'literal', value: 'x' },
      },
      right: {
        kind: 'binary',
        op: '&&',
        left: { kind: 'not', operand: { kind: 'ref', path: ['c'], offset: 15 } },
        right: { kind: 'ref', path: ['d'], offset: 20 },
      },
    });
    expect(parseExpression('contains(x, "y")')).toEqual({
      kind: 'call',
      name: 'contains',
      args: [
        { kind: 'ref', path: ['x'], offset: 9 },
        { kind: 'literal', value: 'y' },
      ],
    });
    expect(parseExpression('${{ -1.5 }}')).toEqual({ kind: 'literal', value: -1.5 });
  });

  it('says what is wrong and at which column', () => {
    expect(error(() => parseExpression("a == 'x"))).toMatch(/never closed at column 6/);
    expect(error(() => parseExpression('a == '))).toMatch(/ends too early at column 6/);
    expect(error(() => parseExpression('a = b'))).toMatch(/unexpected "=" at column 3/);
    expect(error(() => parseExpression('(a || b'))).toMatch(/expected "\)" at column 8/);
    expect(error(() => parseExpression('a b'))).toMatch(/unexpected "b" at column 3/);
    expect(error(() => parseExpression('eval(x)'))).toMatch(/unknown function eval\(\) at column 1/);
    expect(error(() => parseExpression('success(x)'))).toMatch(/takes 0 arguments/);
    expect(error(() => parseExpression('contains(x)'))).toMatch(/takes 2 arguments/);
    expect(error(() => parseExpression('a..b'))).toMatch(/empty segment at column 1/);
    expect(error(() => parseExpression('a + b'))).toMatch(/unexpected "\+" at column 3/);
    // Inside a ${{ }} wrapper, columns are those of the text as written.
    expect(error(() => parseExpression('${{ a = b }}'))).toBe('unexpected "=" at column 7 of "${{ a = b }}"');
  });

  it('lists the references it reads', () => {
    expect(
      expressionReferences(parseExpression("steps.a.status == 'x' && contains(inputs.l, matrix.k)")),
    ).toEqual([
      ['steps', 'a', 'status'],
      ['inputs', 'l'],
      ['matrix', 'k'],
    ]);
  });
});

describe('evaluateExpression', () => {
  it('compares strings exactly and values of other types as numbers, as GitHub does', () => {
    expect(run("steps.test.status == 'succeeded'")).toBe(true);
    expect(run("steps.test.status != 'succeeded'")).toBe(false);
    expect(run("steps.test.status == 'SUCCEEDED'")).toBe(false);
    expect(run('matrix.n == 3')).toBe(true);
    expect(run("inputs.count == '3'")).toBe(true);
    expect(run("inputs.count == ' 3 '")).toBe(true);
    expect(run("inputs.count == 'three'")).toBe(false);
    expect(run("inputs.count != 'three'")).toBe(true);
    expect(run('inputs.flag == 0')).toBe(true);
    expect(run('inputs.none == 0')).toBe(true);
    expect(run('inputs.none == null')).toBe(true);
    expect(run("inputs.none == ''")).toBe(true);
    expect(run("'' == null")).toBe(true);
  });

  it('orders numbers and strings', () => {
    expect(run('loop.iteration < 3 && loop.iteration >= 2')).toBe(true);
    expect(run("matrix.n > '10'")).toBe(true); // two strings: by characters
    expect(run('matrix.n > 10')).toBe(false);
    expect(run("'abc' <= 1")).toBe(false);
  });

  it('gives back the deciding operand of && and ||, and negates with !', () => {
    expect(run("inputs.flag || 'fallback'")).toBe('fallback');
    expect(run("steps.fix-bugs.summary && 'yes'")).toBe('yes');
    expect(run('inputs.flag && missing.var')).toBe(false); // short-circuit: not read
    expect(run('!inputs.flag')).toBe(true);
    expect(run('!(loop.iteration == 2)')).toBe(false);
  });

  it('evaluates contains and startsWith on strings and lists', () => {
    expect(run("contains(steps.review.outputs.verdict.text, 'approve')")).toBe(true);
    expect(run("contains(inputs.list, 'b')")).toBe(true);
    expect(run("contains(inputs.list, 'c')")).toBe(false);
    expect(run("startsWith(steps.test.status, 'succ')")).toBe(true);
    expect(run('startsWith(inputs.count, 3)')).toBe(true);
  });

  it('judges success(), failure() and always() on the needs', () => {
    const needs = (...statuses: string[]) => ({ ...scope, needs: statuses.map((status) => ({ status })) });
    expect(run('success()', needs('succeeded', 'succeeded'))).toBe(true);
    expect(run('success()', needs('succeeded', 'failed'))).toBe(false);
    expect(run('failure()', needs('succeeded', 'failed'))).toBe(true);
    expect(run('failure()', needs('succeeded', 'skipped'))).toBe(false);
    expect(run('always()', needs('failed'))).toBe(true);
    expect(run('success()', { resolve: () => undefined })).toBe(true);
  });

  it('refuses an unknown variable instead of reading it as empty', () => {
    expect(error(() => run("steps.x.outputs.y == ''"))).toBe('unknown variable steps.x.outputs.y');
  });
});

describe('isTruthy', () => {
  it("takes false, 0, NaN, '' and null as false and anything else as true", () => {
    expect([false, 0, Number.NaN, '', null, undefined].map(isTruthy)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([true, 1, 'false', '0', [], {}].map(isTruthy)).toEqual([true, true, true, true, true, true]);
  });
});
