// A zod schema as the JSON Schema (draft 2020-12) of what it takes (`input`: before defaults and
// transforms) or gives (`output`), for editors, the OpenAPI document and published payloads. One
// conversion for all of them: a schema with a type JSON Schema cannot say fails here, loudly.
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  return z.toJSONSchema(schema, { io }) as JsonSchema;
}

// The same without its `$schema` line (a schema inside another document).
export function embeddedJsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _drop, ...json } = jsonSchemaOf(schema, io);
  return json;
}
