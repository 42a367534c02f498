// Reading a workflow file (YAML, or JSON by its .json name): its schema (workflow-spec.ts) and its
// graph (checkWorkflow) checked, and every issue reported at once, one line each, in file order:
//
//   flows/fix.yaml:12:5: steps.test.needs[0]: needs nope, which is no step of the workflow
//
// The hash names what runs: the normalized spec as canonical JSON (sorted keys), so a comment, a
// reordered key or `needs: a` for `needs: [a]` does not change it, and any change that matters does.
import { readFile } from 'node:fs/promises';
import { sha256Text } from '../fs/sha256.js';
import type { z } from 'zod';
import { UsageError, WorkflowInvalidError } from '../../domain/errors.js';
import { checkWorkflow, type WorkflowIssue } from '../../domain/workflow/workflow-graph.js';
import { salvageIssues } from '../../domain/workflow/workflow-salvage.js';
import { workflowSchema, type WorkflowSpec } from '../../domain/workflow/workflow-spec.js';
import {
  fieldName,
  locateField,
  parseLocated,
  SyntaxProblem,
  type LocatedText,
} from '../config/yaml-location.js';

export interface WorkflowFile {
  spec: WorkflowSpec;
  text: string;
  hash: string;
  path: string;
  // The file as parsed (YAML or JSON), before zod normalized it.
  document: unknown;
}

interface Line {
  readonly line: number;
  readonly col: number;
  readonly text: string;
}

// One issue as a line: at the field (at the key itself for an unknown or bad key). A path the
// file does not spell out (`needs: a` read as `needs[0]`) is named as far as the file has it.
function issueLine(
  file: string,
  located: LocatedText,
  path: readonly PropertyKey[],
  message: string,
  key?: string,
): Line {
  const at = locateField(located, path, key);
  const shown = at.scalar && at.depth < path.length ? path.slice(0, at.depth) : path;
  const field = fieldName(key === undefined ? shown : [...shown, key]) || 'top level';
  return { line: at.line, col: at.col, text: `${file}:${at.line}:${at.col}: ${field}: ${message}` };
}

function zodLines(file: string, located: LocatedText, issues: readonly z.core.$ZodIssue[]): Line[] {
  return issues.flatMap((issue) => {
    const keys = (issue as { keys?: unknown }).keys;
    // Unknown keys (zod's own, or re-raised from a step's schema): one line per key, at the key.
    if (Array.isArray(keys) && keys.length > 0)
      return keys.map((key) =>
        issueLine(file, located, issue.path, 'is not a field a workflow file knows', String(key)),
      );
    if (issue.code === 'invalid_key') {
      const inner = issue.issues[0]?.message ?? issue.message;
      return [issueLine(file, located, issue.path.slice(0, -1), inner, String(issue.path.at(-1)))];
    }
    if (issue.code === 'invalid_union') {
      // A value of the right type for one form (an object for `{ retry, handback }`) failed
      // inside it: that form's own issues say more than "not one of the forms".
      const inner = issue.errors.find(
        (errors) => errors.length > 0 && errors.every((e) => e.path.length > 0),
      );
      if (inner)
        return zodLines(
          file,
          located,
          inner.map((e) => ({ ...e, path: [...issue.path, ...e.path] })),
        );
    }
    return [issueLine(file, located, issue.path, messageOf(issue))];
  });
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a map',
  record: 'a map',
  array: 'a list',
  integer: 'a whole number',
  null: 'null',
};

// zod's messages, said as the rest of tmuxorch says things.
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    // zod keeps no input in its issues; its message says what it received.
    const missing = /received undefined$/.test(issue.message);
    if (issue.path.length === 0)
      return missing || /received null$/.test(issue.message)
        ? 'the file is empty: a workflow has schema_version, name and steps'
        : 'must be a map of fields';
    if (missing) return 'is required';
    const expected = TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`;
    const got = /received (\w+)$/.exec(issue.message)?.[1];
    return `must be ${expected}${got ? ` (not ${TYPE_NAMES[got] ?? `a ${got}`})` : ''}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1)
    return 'must not be empty';
  return issue.message;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// sha256 (hex) of the spec's canonical JSON.
export function workflowHash(spec: WorkflowSpec): string {
  return sha256Text(canonicalJson(spec));
}

// Parses and checks a workflow's text; `fileName` names it in messages (and .json means JSON).
export function parseWorkflowText(
  text: string,
  fileName: string,
): { spec: WorkflowSpec; hash: string; document: unknown } {
  const located = parseLocated(text, fileName.endsWith('.json'));
  if (located instanceof SyntaxProblem)
    throw new WorkflowInvalidError(`${fileName}:${located.where}: ${located.message}`, { file: fileName });
  const parsed = workflowSchema.safeParse(located.raw);
  const graphIssues: WorkflowIssue[] = parsed.success
    ? checkWorkflow(parsed.data as WorkflowSpec)
    : salvageIssues(located.raw);
  const lines = [
    ...(parsed.success ? [] : zodLines(fileName, located, parsed.error.issues)),
    ...graphIssues.map((i) => issueLine(fileName, located, i.path, i.message)),
  ].sort((a, b) => a.line - b.line || a.col - b.col);
  if (lines.length > 0 || !parsed.success)
    throw new WorkflowInvalidError(lines.map((l) => l.text).join('\n'), {
      file: fileName,
      issues: lines.map((l) => l.text),
    });
  const spec = parsed.data as WorkflowSpec;
  // `document`: the file as parsed, before normalization (what the CLI sends the daemon).
  return { spec, hash: workflowHash(spec), document: located.raw };
}

export async function loadWorkflowFile(path: string): Promise<WorkflowFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`workflow file ${path} cannot be read`, { file: path });
  }
  return { ...parseWorkflowText(text, path), text, path };
}
