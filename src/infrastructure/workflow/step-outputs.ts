// What a step leaves in its step directory, checked when it ends: each declared output must be
// there, stay inside the directory (no `..`, no symbolic link out of it) and, with a schema, be
// JSON that satisfies it; result.json ({status, summary, outputs}) is read when the step wrote
// one. A reason names the first output at fault.
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Ajv } from 'ajv';
import type { OutputSpec } from '../../domain/workflow/workflow-spec.js';

export interface StepResultFile {
  readonly status: 'succeeded' | 'failed';
  readonly summary: string;
  readonly outputs: Readonly<Record<string, string>>;
}

// The JSON Schema of result.json (`tmuxorch flow schema result`).
export const STEP_RESULT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'tmuxorch step result.json',
  type: 'object',
  required: ['status'],
  properties: {
    status: { enum: ['succeeded', 'failed'] },
    summary: { type: 'string' },
    outputs: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

export type OutputCheck =
  | { readonly ok: true; readonly outputs: Record<string, string> }
  | { readonly ok: false; readonly reason: string };

const ajv = new Ajv({ allErrors: false, strict: false });

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

export async function checkOutputs(
  stepDir: string,
  declared: Readonly<Record<string, OutputSpec>>,
): Promise<OutputCheck> {
  const root = await realpath(stepDir);
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const path = resolve(root, spec.path);
    if (!inside(root, path))
      return { ok: false, reason: `output ${name} (${spec.path}) is outside the step directory` };
    const real = await realpath(path).catch(() => null);
    if (real === null) return { ok: false, reason: `output ${name} (${spec.path}) is missing` };
    if (!inside(root, real))
      return { ok: false, reason: `output ${name} (${spec.path}) leads outside the step directory` };
    if (spec.schema) {
      let value: unknown;
      try {
        value = JSON.parse(await readFile(real, 'utf8'));
      } catch {
        return { ok: false, reason: `output ${name} (${spec.path}) is not JSON` };
      }
      const validate = ajv.compile(spec.schema);
      if (!validate(value)) {
        const first = validate.errors?.[0];
        const where = first?.instancePath ? ` at ${first.instancePath}` : '';
        return {
          ok: false,
          reason: `output ${name} (${spec.path}) does not match its schema${where}: ${first?.message ?? 'invalid'}`,
        };
      }
    }
    outputs[name] = real;
  }
  return { ok: true, outputs };
}

// result.json as the step wrote it, null when it wrote none; an invalid one is a reason.
export async function readStepResult(stepDir: string): Promise<StepResultFile | { invalid: string } | null> {
  const text = await readFile(resolve(stepDir, 'result.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { invalid: 'result.json is not JSON' };
  }
  const validate = ajv.compile(STEP_RESULT_SCHEMA);
  if (!validate(value))
    return { invalid: `result.json does not match its schema: ${validate.errors?.[0]?.message ?? ''}` };
  const result = value as Partial<StepResultFile>;
  return { status: result.status ?? 'failed', summary: result.summary ?? '', outputs: result.outputs ?? {} };
}
