// A run's inputs: `--input K=V` strings typed by the declared input, with the defaults applied.
import { WorkflowInvalidError } from '../errors.js';
import type { InputSpec, WorkflowSpec } from './workflow-spec.js';

export type InputScalar = string | number | boolean;
export type InputValue = InputScalar | InputScalar[];

const isScalar = (v: unknown): v is InputScalar =>
  typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';

export type ParsedInput = { readonly value: InputValue } | { readonly problem: string };

// The typed value of a command-line string, or why it is not one.
export function inputFromText(type: InputSpec['type'], text: string): ParsedInput {
  switch (type) {
    case 'string':
      return { value: text };
    case 'number': {
      const value = Number(text);
      return text.trim() !== '' && Number.isFinite(value)
        ? { value }
        : { problem: `must be a number (got "${text}")` };
    }
    case 'boolean':
      return text === 'true' || text === 'false'
        ? { value: text === 'true' }
        : { problem: `must be true or false (got "${text}")` };
    case 'array': {
      // A JSON list (`["a", 1]`), or a comma-separated one (`a, b`) whose items are strings.
      if (!text.trimStart().startsWith('['))
        return { value: text.trim() === '' ? [] : text.split(',').map((item) => item.trim()) };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { problem: `must be a JSON list or a comma-separated list (got "${text}")` };
      }
      return Array.isArray(parsed) && parsed.every(isScalar)
        ? { value: parsed }
        : { problem: 'must be a list of strings, numbers or booleans' };
    }
  }
}

// Why a declared default does not fit its type, or undefined when it does.
export function defaultProblem(input: InputSpec): string | undefined {
  const value = input.default;
  if (value === undefined) return undefined;
  const fits = input.type === 'array' ? Array.isArray(value) : typeof value === input.type;
  return fits
    ? undefined
    : `must be ${input.type === 'array' ? 'a list' : `a ${input.type}`}, as the input's type`;
}

// Every declared input with a value: given, else its default. An input that is neither given nor
// required and has no default is left out (a reference to it then fails when the step renders).
// Every problem is reported at once, one line per input.
export function resolveInputs(
  spec: WorkflowSpec,
  given: Readonly<Record<string, string>>,
): Record<string, InputValue> {
  const values: Record<string, InputValue> = {};
  const problems: string[] = [];
  for (const name of Object.keys(given))
    if (!Object.hasOwn(spec.inputs, name))
      problems.push(
        `input ${name}: the workflow has no such input (it has: ${Object.keys(spec.inputs).join(', ') || 'none'})`,
      );
  for (const [name, input] of Object.entries(spec.inputs)) {
    const text = Object.hasOwn(given, name) ? given[name] : undefined;
    if (text !== undefined) {
      const parsed = inputFromText(input.type, text);
      if ('problem' in parsed) problems.push(`input ${name}: ${parsed.problem}`);
      else values[name] = parsed.value;
    } else if (input.default !== undefined) values[name] = input.default;
    else if (input.required) problems.push(`input ${name}: is required (--input ${name}=…)`);
  }
  if (problems.length > 0) throw new WorkflowInvalidError(problems.join('\n'), { inputs: problems });
  return values;
}
