// GET /openapi.json: an OpenAPI 3.1 document generated from the route table (operation-routes.ts),
// the operations' zod input schemas and, where the output contract has one, their output schema
// (application/contract/output-contract.ts). It needs a read token like the routes it describes;
// /health is the one public route.
import { embeddedJsonSchemaOf } from '../../domain/json-schema.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { operations } from '../../application/contract/operations.js';
import { OUTPUT_SCHEMAS, workerViewSchema } from '../../application/contract/output-contract.js';
import { operationScope } from '../../application/contract/operation-scopes.js';
import { VERSION } from '../version.js';
import {
  DEFAULT_WAIT_MS,
  MAX_WAIT_MS,
  OPERATION_ROUTES,
  SERVED_OPERATIONS,
  inputJsonSchema,
  pathParams,
  type ServedOperation,
} from './operation-routes.js';

type JsonSchema = Record<string, unknown>;

function outputSchema(schema: z.ZodType): JsonSchema {
  return embeddedJsonSchemaOf(schema, 'output');
}

// The outputs the contract publishes, by the operations that answer with them.
const OUTPUT_OF: Partial<Record<ServedOperation, z.ZodType>> = {
  status: OUTPUT_SCHEMAS.status,
  send: OUTPUT_SCHEMAS.result,
  result: OUTPUT_SCHEMAS.result,
  wait: OUTPUT_SCHEMAS.result,
  cancel: OUTPUT_SCHEMAS.result,
  flowRun: OUTPUT_SCHEMAS.flow,
  flowStatus: OUTPUT_SCHEMAS.flow,
  flowApprove: OUTPUT_SCHEMAS.flow,
  flowDeny: OUTPUT_SCHEMAS.flow,
  flowCancel: OUTPUT_SCHEMAS.flow,
  flowResume: OUTPUT_SCHEMAS.flow,
  budget: OUTPUT_SCHEMAS.budget,
  list: z.array(workerViewSchema),
  addWorker: workerViewSchema,
  removeWorker: workerViewSchema,
  approve: workerViewSchema,
  deny: workerViewSchema,
  revive: workerViewSchema,
};

const ERROR_RESPONSES = {
  '400': 'bad input (USAGE, naming the field)',
  '401': 'no token, or not a valid one',
  '403': "out of the token's scope or projects",
  '404': 'no such worker, task or run',
  '429': 'over the rate limit (Retry-After says when to retry)',
} as const;

function operationDoc(name: ServedOperation, errorRef: JsonSchema): JsonSchema {
  const shape = OPERATION_ROUTES[name];
  const input = inputJsonSchema(name);
  const properties = { ...((input.properties ?? {}) as Record<string, JsonSchema>) };
  const required = new Set((input.required ?? []) as string[]);
  const inPath = pathParams(shape.path);
  const parameters: JsonSchema[] = inPath.map((param) => ({
    name: param,
    in: 'path',
    required: true,
    schema: properties[param] ?? { type: 'string' },
  }));
  for (const param of inPath) {
    delete properties[param];
    required.delete(param);
  }
  if (name === 'wait') {
    delete properties.timeoutMs;
    parameters.push({
      name: 'timeoutMs',
      in: 'query',
      required: false,
      description: `how long to wait (default ${DEFAULT_WAIT_MS}); the task as it is when time runs out`,
      schema: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS },
    });
  }
  const rest: JsonSchema = {
    ...input,
    properties,
    ...(required.size > 0 ? { required: [...required] } : {}),
  };
  if (required.size === 0) delete rest.required;
  if (shape.method === 'GET' || shape.method === 'DELETE') {
    for (const [key, schema] of Object.entries(properties))
      parameters.push({ name: key, in: 'query', required: required.has(key), schema });
  }
  const output = OUTPUT_OF[name];
  return {
    operationId: name,
    summary: operations[name].summary,
    description: `scope: ${operationScope(name)}`,
    'x-scope': operationScope(name),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(shape.method === 'POST' && Object.keys(properties).length > 0
      ? { requestBody: { required: required.size > 0, content: { 'application/json': { schema: rest } } } }
      : {}),
    responses: {
      [shape.creates ? '201' : '200']: {
        description: 'the operation answered',
        content: {
          'application/json': { schema: output ? outputSchema(output) : { type: ['object', 'array'] } },
        },
      },
      ...Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: errorRef } } },
        ]),
      ),
    },
  };
}

// The document, built once.
export function buildOpenApi(): JsonSchema {
  const errorRef = { $ref: '#/components/schemas/Error' };
  const paths: Record<string, Record<string, JsonSchema>> = {
    '/health': {
      get: {
        operationId: 'health',
        summary: 'the server answers (no token needed)',
        security: [],
        responses: {
          '200': {
            description: 'alive',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { ok: { const: true }, version: { type: 'string' } },
                  required: ['ok', 'version'],
                },
              },
            },
          },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'this document',
        description: 'scope: read',
        responses: {
          '200': {
            description: 'the OpenAPI document',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
  };
  for (const name of SERVED_OPERATIONS) {
    const shape = OPERATION_ROUTES[name];
    const path = shape.path.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[shape.method.toLowerCase()] = operationDoc(name, errorRef);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'tmuxorch HTTP API', version: VERSION },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a token from tmuxorch token create' },
      },
      schemas: { Error: outputSchema(OUTPUT_SCHEMAS.error) },
    },
    paths,
  };
}

export function registerOpenApi(app: FastifyInstance): void {
  let document: JsonSchema | null = null;
  app.get('/openapi.json', { config: { scope: 'read' } }, async () => (document ??= buildOpenApi()));
}
