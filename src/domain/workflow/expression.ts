// The language of `if:` and a loop's `until:`: a small subset of GitHub Actions' expressions,
// parsed by hand (no eval, no new Function: a workflow file must not be able to run code here).
//
//   literals   'str' "str" 42 -1.5 true false null
//   references inputs.issue  steps.test.status  steps.plan.outputs.plan.text  loop.iteration …
//   operators  ! (highest), < <= > >=, == !=, &&, || (lowest); parentheses
//   functions  contains(haystack, needle)  startsWith(a, b)  success()  failure()  always()
//
// Values follow GitHub's rules: `&&` and `||` give one of their operands, and a comparison of two
// values of different types compares them as numbers (null → 0, true → 1, '' → 0, ' 42 ' → 42,
// 'abc' → NaN, which equals nothing), so `steps.x.outputs.n.text == 3` holds for the text "3".
// Unlike GitHub, strings compare case-sensitively: statuses and outputs are exact words, and a
// reviewer's "approve" should not match a file that says "APPROVE?" by accident.
import { WorkflowInvalidError } from '../errors.js';
import { parseReferencePath } from './template.js';

export type Literal = string | number | boolean | null;
export type Expression =
  | { readonly kind: 'literal'; readonly value: Literal }
  | { readonly kind: 'ref'; readonly path: readonly string[]; readonly offset: number }
  | { readonly kind: 'not'; readonly operand: Expression }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'call'; readonly name: FunctionName; readonly args: readonly Expression[] };
export type BinaryOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';
export type FunctionName = 'contains' | 'startsWith' | 'success' | 'failure' | 'always';

export interface ExpressionScope {
  // The value of a reference; undefined means there is no such variable (an error, not a falsy value).
  resolve(ref: readonly string[]): unknown;
  // The statuses of the step's needs, for success() and failure().
  needs?: readonly { status: string }[];
}

// The statuses failure() counts as a failed need.
export const FAILED_STATUSES: readonly string[] = ['failed', 'timed_out'];
const ARITY: Readonly<Record<FunctionName, number>> = {
  contains: 2,
  startsWith: 2,
  success: 0,
  failure: 0,
  always: 0,
};
// Binding power of each binary operator: higher binds tighter.
const POWER: Readonly<Record<BinaryOp, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
};

type Token =
  | { type: 'literal'; value: Literal; at: number }
  | { type: 'name'; value: string; at: number }
  | { type: 'op'; value: string; at: number }
  | { type: 'end'; at: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', ','];
const NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const NUMBER = /-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/y;

function fail(text: string, at: number, what: string): never {
  throw new WorkflowInvalidError(`${what} at column ${at + 1} of "${text}"`, { column: at + 1 });
}

// `text` is what the message quotes; `source` what is read (the same, or with `${{ }}` blanked).
function tokenize(source: string, text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at] ?? '';
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    if (char === "'" || char === '"') {
      // GitHub's escape for a quote inside a string is the quote doubled: 'it''s'.
      let value = '';
      let end = at + 1;
      for (;;) {
        if (end >= source.length) fail(text, at, 'a string that is never closed');
        if (source[end] === char) {
          if (source[end + 1] !== char) break;
          end++;
        }
        value += source[end];
        end++;
      }
      tokens.push({ type: 'literal', value, at });
      at = end + 1;
      continue;
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(source);
    if (number) {
      tokens.push({ type: 'literal', value: Number(number[0]), at });
      at += number[0].length;
      continue;
    }
    NAME.lastIndex = at;
    const name = NAME.exec(source);
    if (name) {
      const word = name[0];
      const literal: Record<string, Literal> = { true: true, false: false, null: null };
      if (Object.hasOwn(literal, word)) tokens.push({ type: 'literal', value: literal[word] ?? null, at });
      else tokens.push({ type: 'name', value: word, at });
      at += word.length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, at));
    if (op === undefined) fail(text, at, `unexpected "${char}"`);
    tokens.push({ type: 'op', value: op, at });
    at += op.length;
  }
  tokens.push({ type: 'end', at: source.length });
  return tokens;
}

// Parses an expression; a whole `${{ … }}` around it (as GitHub allows in `if:`) is taken off.
export function parseExpression(text: string): Expression {
  // The wrapper is blanked out rather than cut, so columns stay those of the text as written.
  const wrapped = /^(\s*)\$\{\{([\s\S]*)\}\}(\s*)$/.exec(text);
  const source = wrapped ? `${wrapped[1] ?? ''}   ${wrapped[2] ?? ''}  ${wrapped[3] ?? ''}` : text;
  const tokens = tokenize(source, text);
  let pos = 0;
  const peek = (): Token => tokens[pos] ?? { type: 'end', at: source.length };
  const isOp = (value: string): boolean => {
    const token = peek();
    return token.type === 'op' && token.value === value;
  };
  const expect = (value: string): void => {
    if (!isOp(value)) fail(text, peek().at, `expected "${value}"`);
    pos++;
  };

  const primary = (): Expression => {
    const token = peek();
    pos++;
    if (token.type === 'literal') return { kind: 'literal', value: token.value };
    if (token.type === 'op' && token.value === '!') return { kind: 'not', operand: primary() };
    if (token.type === 'op' && token.value === '(') {
      const inner = binary(0);
      expect(')');
      return inner;
    }
    if (token.type === 'name') {
      if (isOp('(')) {
        pos++;
        if (!Object.hasOwn(ARITY, token.value)) fail(text, token.at, `unknown function ${token.value}()`);
        const name = token.value as FunctionName;
        const args: Expression[] = [];
        if (!isOp(')')) {
          args.push(binary(0));
          while (isOp(',')) {
            pos++;
            args.push(binary(0));
          }
        }
        expect(')');
        if (args.length !== ARITY[name])
          fail(text, token.at, `${name}() takes ${ARITY[name]} argument${ARITY[name] === 1 ? '' : 's'}`);
        return { kind: 'call', name, args };
      }
      const path = parseReferencePath(token.value);
      if (typeof path === 'string') fail(text, token.at, path);
      return { kind: 'ref', path, offset: token.at };
    }
    fail(
      source,
      token.at,
      token.type === 'end' ? 'the expression ends too early' : `unexpected "${token.value}"`,
    );
  };

  // Precedence climbing: left-associative operators of at least `min` power.
  const binary = (min: number): Expression => {
    let left = primary();
    for (;;) {
      const token = peek();
      if (token.type !== 'op' || !Object.hasOwn(POWER, token.value)) return left;
      const op = token.value as BinaryOp;
      if (POWER[op] < min) return left;
      pos++;
      left = { kind: 'binary', op, left, right: binary(POWER[op] + 1) };
    }
  };

  const expression = binary(0);
  const rest = peek();
  if (rest.type !== 'end') fail(text, rest.at, `unexpected "${String(rest.value)}"`);
  return expression;
}

// Every reference path the expression reads, in order.
export function expressionReferences(expr: Expression): string[][] {
  switch (expr.kind) {
    case 'literal':
      return [];
    case 'ref':
      return [[...expr.path]];
    case 'not':
      return expressionReferences(expr.operand);
    case 'binary':
      return [...expressionReferences(expr.left), ...expressionReferences(expr.right)];
    case 'call':
      return expr.args.flatMap(expressionReferences);
  }
}

// GitHub's falsy values: false, 0, NaN, '', null (and undefined); everything else is true.
export function isTruthy(value: unknown): boolean {
  return !(
    value === false ||
    value === 0 ||
    value === '' ||
    value === null ||
    value === undefined ||
    Number.isNaN(value)
  );
}

function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return Number.NaN;
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

// Loose equality: same type compares as is, different types as numbers (NaN equals nothing).
function looseEquals(a: unknown, b: unknown): boolean {
  if (typeof a === typeof b && (a === null) === (b === null)) return a === b;
  return toNumber(a) === toNumber(b);
}

function compare(op: '<' | '<=' | '>' | '>=', a: unknown, b: unknown): boolean {
  const [x, y] = typeof a === 'string' && typeof b === 'string' ? [a, b] : [toNumber(a), toNumber(b)];
  if (op === '<') return x < y;
  if (op === '<=') return x <= y;
  if (op === '>') return x > y;
  return x >= y;
}

export function evaluateExpression(expr: Expression, scope: ExpressionScope): unknown {
  const value = (e: Expression): unknown => evaluateExpression(e, scope);
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'ref': {
      const resolved = scope.resolve(expr.path);
      if (resolved === undefined)
        throw new WorkflowInvalidError(`unknown variable ${expr.path.join('.')}`, {
          variable: expr.path.join('.'),
        });
      return resolved;
    }
    case 'not':
      return !isTruthy(value(expr.operand));
    case 'binary': {
      const left = value(expr.left);
      // Short-circuit as GitHub does, giving back the operand that decided.
      if (expr.op === '&&') return isTruthy(left) ? value(expr.right) : left;
      if (expr.op === '||') return isTruthy(left) ? left : value(expr.right);
      const right = value(expr.right);
      if (expr.op === '==') return looseEquals(left, right);
      if (expr.op === '!=') return !looseEquals(left, right);
      return compare(expr.op, left, right);
    }
    case 'call': {
      const needs = scope.needs ?? [];
      if (expr.name === 'always') return true;
      if (expr.name === 'success') return needs.every((n) => n.status === 'succeeded');
      if (expr.name === 'failure') return needs.some((n) => FAILED_STATUSES.includes(n.status));
      const [a, b] = expr.args.map(value);
      if (expr.name === 'startsWith') return toText(a).startsWith(toText(b));
      // contains: an element of a list, or a substring of a string.
      if (Array.isArray(a)) return a.some((item) => looseEquals(item, b));
      return toText(a).includes(toText(b));
    }
  }
}
