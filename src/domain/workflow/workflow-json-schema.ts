// The workflow file as JSON Schema (draft 2020-12), for editors (`$schema:` or a YAML language
// server's mapping) and `tmuxorch flow schema`. zod describes the file's input side (`io: 'input'`:
// durations as written, `needs` as a name or a list); the step union is a transform over
// z.unknown() that zod cannot see through, so steps are described here as one of the five step
// objects, each strict and each requiring the key that names its kind, so exactly one matches.
import { jsonSchemaOf } from '../json-schema.js';
import { z } from 'zod';
import { STEP_ID_PATTERN, STEP_SCHEMAS, workflowSchema } from './workflow-spec.js';

export function workflowJsonSchema(): Record<string, unknown> {
  const { agent, shell, gate, loop, merge } = STEP_SCHEMAS;
  const described = workflowSchema.extend({
    steps: z
      .record(z.string().regex(STEP_ID_PATTERN), z.union([agent, shell, gate, loop, merge]))
      .describe('The steps, by id; each is one of an agent step (role + prompt), run, gate, loop or merge.'),
  });
  const schema = jsonSchemaOf(described);
  const steps = (schema.properties as Record<string, Record<string, unknown>> | undefined)?.steps;
  if (steps) {
    // At least one step, as the file's own check says; oneOf, since the kinds exclude each other.
    steps.minProperties = 1;
    const values = steps.additionalProperties as Record<string, unknown> | undefined;
    if (values && Array.isArray(values.anyOf)) {
      values.oneOf = values.anyOf;
      delete values.anyOf;
    }
  }
  return { ...schema, title: 'tmuxorch workflow (schema_version 1)' };
}
