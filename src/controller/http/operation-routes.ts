// The operation table (application/contract/operations.ts) as REST routes: one row per operation
// below says its method, its path and what its input names (for project-limited tokens); the
// routes themselves are generated from the rows. Path parameters, the query string and the JSON
// body merge into the operation's input (path parameters win), which the operation's own zod
// schema checks (`invoke` → parseInput: a bad value is a 400 USAGE naming the field).
//
// Not served over HTTP, on purpose:
//  - ping: GET /health answers liveness, GET /v1/status the daemon's view;
//  - stop: the daemon's lifecycle is its local user's (the socket, `tmuxorch stop`);
//  - logFile: it answers a path on the daemon's machine, useless to a remote client;
//  - policyCheck, policyAnswer: an agent's tool hook asks them from inside its pane, over the
//    socket whose key proves it is the home's user; nobody else should answer for a hook.
import { embeddedJsonSchemaOf } from '../../domain/json-schema.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UsageError } from '../../domain/errors.js';
import type { OperationName } from '../../application/contract/operation-inputs.js';
import { operationInputs } from '../../application/contract/operation-inputs.js';
import { operationScope } from '../../application/contract/operation-scopes.js';
import { invoke, operations } from '../../application/contract/operations.js';
import type { FleetController } from '../../application/fleet/fleet-controller.js';
import { httpError } from './http-errors.js';
import { filterOutput, projectAllowed, targetProject, type RouteTarget } from './project-guard.js';

export type ServedOperation = Exclude<
  OperationName,
  'ping' | 'stop' | 'logFile' | 'policyCheck' | 'policyAnswer'
>;

export interface RouteShape {
  readonly method: 'GET' | 'POST' | 'DELETE';
  // Fastify's syntax (`:worker`); openapi.ts writes it as `{worker}`.
  readonly path: string;
  readonly target: RouteTarget;
  // 201 Created instead of 200.
  readonly creates?: boolean;
}

// Every served operation's route (the compiler refuses a table that misses one).
export const OPERATION_ROUTES: { readonly [N in ServedOperation]: RouteShape } = {
  status: { method: 'GET', path: '/v1/status', target: 'none' },
  list: { method: 'GET', path: '/v1/workers', target: 'none' },
  addWorker: { method: 'POST', path: '/v1/workers', target: 'project', creates: true },
  removeWorker: { method: 'DELETE', path: '/v1/workers/:worker', target: 'worker' },
  send: { method: 'POST', path: '/v1/workers/:worker/tasks', target: 'worker', creates: true },
  approve: { method: 'POST', path: '/v1/workers/:worker/approve', target: 'worker' },
  deny: { method: 'POST', path: '/v1/workers/:worker/deny', target: 'worker' },
  revive: { method: 'POST', path: '/v1/workers/:worker/revive', target: 'worker' },
  capture: { method: 'GET', path: '/v1/workers/:worker/screen', target: 'worker' },
  healthCheck: { method: 'POST', path: '/v1/health-check', target: 'none' },
  result: { method: 'GET', path: '/v1/tasks/:id', target: 'task' },
  // Bounded: ?timeoutMs= (default 30 s, at most 60 s); the task as it is when time runs out.
  wait: { method: 'GET', path: '/v1/tasks/:id/wait', target: 'task' },
  cancel: { method: 'POST', path: '/v1/tasks/:id/cancel', target: 'task' },
  flowList: { method: 'GET', path: '/v1/runs', target: 'none' },
  // The queue names projects inside its jobs: a token limited to projects cannot use it.
  queueSubmit: { method: 'POST', path: '/v1/queue', target: 'none', creates: true },
  queueList: { method: 'GET', path: '/v1/queue', target: 'none' },
  queueShow: { method: 'GET', path: '/v1/queue/:id', target: 'none' },
  queueApprove: { method: 'POST', path: '/v1/queue/:id/approve', target: 'none' },
  queueDeny: { method: 'POST', path: '/v1/queue/:id/deny', target: 'none' },
  queueCancel: { method: 'POST', path: '/v1/queue/:id/cancel', target: 'none' },
  queueRetry: { method: 'POST', path: '/v1/queue/:id/retry', target: 'none' },
  // Fleet-wide spend: a token limited to projects cannot read it.
  budget: { method: 'GET', path: '/v1/budget', target: 'none' },
  flowRun: { method: 'POST', path: '/v1/runs', target: 'project', creates: true },
  flowStatus: { method: 'GET', path: '/v1/runs/:id', target: 'run' },
  flowApprove: { method: 'POST', path: '/v1/runs/:id/approve', target: 'run' },
  flowDeny: { method: 'POST', path: '/v1/runs/:id/deny', target: 'run' },
  flowCancel: { method: 'POST', path: '/v1/runs/:id/cancel', target: 'run' },
  flowResume: { method: 'POST', path: '/v1/runs/:id/resume', target: 'run' },
  flowAudit: { method: 'GET', path: '/v1/runs/:id/audit', target: 'run' },
  flowClean: { method: 'POST', path: '/v1/runs/:id/clean', target: 'run' },
  // The whole home's history: a token limited to projects cannot prune.
  prune: { method: 'POST', path: '/v1/prune', target: 'none' },
  roles: { method: 'GET', path: '/v1/roles', target: 'none' },
  roleShow: { method: 'GET', path: '/v1/roles/:role', target: 'none' },
};

export const SERVED_OPERATIONS = Object.keys(OPERATION_ROUTES) as ServedOperation[];

export const DEFAULT_WAIT_MS = 30_000;
export const MAX_WAIT_MS = 60_000;

type JsonSchema = Record<string, unknown>;

// The JSON Schema of an operation's input (zod 4's own conversion), as an object schema.
export function inputJsonSchema(name: OperationName): JsonSchema {
  const schema = operationInputs[name];
  const object = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
  return embeddedJsonSchemaOf(object);
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1] ?? '');
}

function propertyTypes(name: OperationName): Map<string, string> {
  const properties = (inputJsonSchema(name).properties ?? {}) as Record<string, JsonSchema>;
  const types = new Map<string, string>();
  for (const [key, property] of Object.entries(properties)) {
    const type =
      property.type ?? (property.anyOf as JsonSchema[] | undefined)?.find((s) => s.type !== 'null')?.type;
    if (typeof type === 'string') types.set(key, type);
  }
  return types;
}

// A query string's values, typed as the input's schema says (`?lines=20`, `?keepPane=true`);
// what does not convert is left as text for the schema to refuse by name.
function coerceQuery(
  query: Record<string, unknown>,
  types: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const type = types.get(key);
    if (typeof value !== 'string') out[key] = value;
    else if (type === 'boolean' && (value === 'true' || value === 'false')) out[key] = value === 'true';
    else if (
      (type === 'integer' || type === 'number') &&
      value.trim() !== '' &&
      Number.isFinite(Number(value))
    )
      out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}

function requestInput(request: FastifyRequest, types: ReadonlyMap<string, string>): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new UsageError('the request body must be a JSON object', {});
  return {
    ...coerceQuery((request.query ?? {}) as Record<string, unknown>, types),
    ...(body as Record<string, unknown>),
    ...((request.params ?? {}) as Record<string, unknown>),
  };
}

function waitBound(input: Record<string, unknown>): number {
  const raw = input.timeoutMs;
  delete input.timeoutMs;
  if (raw === undefined) return DEFAULT_WAIT_MS;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > MAX_WAIT_MS)
    throw new UsageError(`bad timeoutMs: a wait is at most ${MAX_WAIT_MS} ms`, { field: 'timeoutMs' });
  return raw;
}

// Registers a route per served operation on `app` (auth and scopes are the server's hook).
export function registerOperationRoutes(app: FastifyInstance, fleet: FleetController): void {
  for (const name of SERVED_OPERATIONS) {
    const shape = OPERATION_ROUTES[name];
    const types = propertyTypes(name);
    if (name === 'wait') types.set('timeoutMs', 'integer');
    app.route({
      method: shape.method,
      url: shape.path,
      config: { scope: operationScope(name) },
      handler: async (request, reply) => {
        const input = requestInput(request, types);
        const bound = name === 'wait' ? waitBound(input) : 0;
        const principal = request.principal;
        if (principal && principal.projects.length > 0) {
          const refusal = await projectRefusal(fleet, name, shape.target, input, principal.projects);
          if (refusal) return reply.code(403).send(httpError('FORBIDDEN', refusal));
        }
        // A wait is bounded here (at most MAX_WAIT_MS): the task as it is when the time is up.
        const output = await invoke(
          { fleet },
          name,
          name === 'wait' ? { ...input, timeoutMs: bound } : input,
        );
        const shown = principal ? await filterOutput(fleet, name, output, principal) : output;
        return reply
          .code(shape.creates ? 201 : 200)
          .send(typeof shown === 'string' ? { text: shown } : shown);
      },
    });
  }
}

// Why a project-limited token may not run this request, or null.
async function projectRefusal(
  fleet: FleetController,
  name: ServedOperation,
  target: RouteTarget,
  input: Record<string, unknown>,
  globs: readonly string[],
): Promise<string | null> {
  if (target === 'none')
    return operations[name].mutates
      ? `this token is limited to projects: ${name} acts on the whole fleet`
      : null;
  const project = await targetProject(fleet, target, input);
  if (project === null) return null;
  if (project === 'unknown')
    return `this token is limited to projects: the project of this ${target} is not known`;
  return projectAllowed(globs, project) ? null : `this token is not allowed on the project ${project}`;
}
