// Prompt and command templates: text with `${{ reference }}` parts, where a reference is a dotted
// path such as `inputs.issue` or `steps.plan.outputs.plan.text` (the paths the engine resolves are
// listed in workflow-graph.ts). Only a path may stand between the braces: a template never
// computes, so what it will print is known from the file alone and checkWorkflow can vouch for it.
import { WorkflowInvalidError } from '../errors.js';

export type TemplatePart = { text: string } | { ref: string[]; source: string; offset: number };

// One path segment: a step id (`fix-bugs`), an input or output name, or a key such as `text`.
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const OPEN = '${{';
const CLOSE = '}}';

// Splits `a.b.c` into its segments, or says why it is not a reference path.
export function parseReferencePath(path: string): string[] | string {
  if (path === '') return 'an empty reference';
  const segments = path.split('.');
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (bad !== undefined)
    return bad === '' ? `"${path}" has an empty segment` : `"${path}" is not a reference path (a.b.c)`;
  return segments;
}

// Splits a template into text and references, in order; `offset` is where `${{` starts.
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf(OPEN, at);
    if (open < 0) {
      parts.push({ text: text.slice(at) });
      break;
    }
    if (open > at) parts.push({ text: text.slice(at, open) });
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close < 0)
      throw new WorkflowInvalidError(`"${OPEN}" at column ${open + 1} is never closed with "${CLOSE}"`, {
        offset: open,
      });
    const source = text.slice(open, close + CLOSE.length);
    const ref = parseReferencePath(text.slice(open + OPEN.length, close).trim());
    if (typeof ref === 'string')
      throw new WorkflowInvalidError(`${source} at column ${open + 1}: ${ref}`, { offset: open });
    parts.push({ ref, source, offset: open });
    at = close + CLOSE.length;
  }
  return parts;
}

// Every reference of a template, in order (for checkWorkflow).
export function templateReferences(text: string): string[][] {
  return parseTemplate(text).flatMap((part) => ('ref' in part ? [part.ref] : []));
}

// The template with each reference replaced by what `resolve` gives. An unknown reference is an
// error, never an empty string: a prompt with a hole in it would run and waste an agent's turn.
export function renderTemplate(
  text: string,
  resolve: (ref: readonly string[]) => string | undefined,
): string {
  return parseTemplate(text)
    .map((part) => {
      if ('text' in part) return part.text;
      const value = resolve(part.ref);
      if (value === undefined)
        throw new WorkflowInvalidError(`unknown variable ${part.ref.join('.')}`, {
          variable: part.ref.join('.'),
        });
      return value;
    })
    .join('');
}
