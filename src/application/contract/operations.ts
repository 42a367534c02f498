// Every fleet operation, declared once: its name, its input (operation-inputs.ts), what it does,
// whether it changes the fleet, the errors it can end with, and where a user reaches it (the CLI
// command, the `Fleet` API method). The daemon's socket serves this table as it is; the
// DaemonBackend calls it by name and the InProcessBackend runs it in-process, so the TypeScript
// API, the CLI and the socket are one set of operations, and the HTTP routes and MCP tools to come
// are generated from it too. Adding an operation: an entry here, its input schema, its use case
// (CONTRIBUTING.md walks through it).
import { parseInput, type OperationName } from './operation-inputs.js';
import { op, type Operation, type OperationContext } from './operation.js';
import { policyOperations } from './policy-operations.js';
import { queueOperations } from './queue-operations.js';
import { budgetOperations } from './budget-operations.js';
import { retentionOperations } from './retention-operations.js';
import { workflowOperations } from './workflow-operations.js';

export type { Operation, OperationContext } from './operation.js';

const WORKER = ['WORKER_NOT_FOUND', 'USAGE'] as const;
const TASK = ['TASK_NOT_FOUND', 'USAGE'] as const;

export const operations = {
  ping: op('ping', {
    summary: 'the daemon answers: its pid, home, session and version',
    mutates: false,
    errors: [],
    cli: 'start',
    api: null,
    run: async ({ fleet }) => (await fleet.status({ withOutput: false })).daemon,
  }),
  status: op('status', {
    summary: 'the daemon, the workers and the latest tasks',
    mutates: false,
    errors: [],
    cli: 'status',
    api: 'status',
    run: ({ fleet }, p) => fleet.status({ withOutput: p?.withOutput ?? true }),
  }),
  list: op('list', {
    summary: 'the workers',
    mutates: false,
    errors: [],
    cli: 'list',
    api: 'workers',
    run: ({ fleet }) => fleet.workers(),
  }),
  addWorker: op('addWorker', {
    summary: 'a worker in a window of its own, in its project, its agent or shell started',
    mutates: true,
    errors: ['USAGE', 'PROJECT_NOT_FOUND', 'WORKER_EXISTS', 'WORKER_LIMIT', 'AGENT_NOT_INSTALLED'],
    cli: 'add-worker',
    api: 'spawnWorker',
    run: ({ fleet }, p) => fleet.addWorker(p),
  }),
  approve: op('approve', {
    summary:
      "approve what a worker waits on: a command or tool call its role asks about, or an interactive agent's question",
    mutates: true,
    errors: WORKER,
    cli: 'approve',
    api: 'approve',
    run: ({ fleet }, p) => fleet.answer(p.worker, true),
  }),
  deny: op('deny', {
    summary:
      "deny what a worker waits on: a command or tool call its role asks about, or an interactive agent's question",
    mutates: true,
    errors: WORKER,
    cli: 'deny',
    api: 'deny',
    run: ({ fleet }, p) => fleet.answer(p.worker, false),
  }),
  removeWorker: op('removeWorker', {
    summary: 'stop a worker: its tasks cancelled, its window closed (or kept)',
    mutates: true,
    errors: WORKER,
    cli: 'remove-worker',
    api: 'removeWorker',
    run: ({ fleet }, p) => fleet.removeWorker(p.worker, { keepPane: p.keepPane ?? false }),
  }),
  send: op('send', {
    summary: "queue a task on a worker: a shell command, or an agent worker's prompt",
    mutates: true,
    errors: [...WORKER, 'WORKER_UNAVAILABLE'],
    cli: 'send',
    api: 'sendTask',
    run: ({ fleet }, p) => fleet.send(p),
  }),
  wait: op('wait', {
    summary: 'the result of a task once it has ended (or as it is after timeoutMs)',
    mutates: false,
    errors: TASK,
    cli: 'result',
    api: 'waitTask',
    run: ({ fleet }, p) => fleet.wait(p.id, p.timeoutMs),
  }),
  result: op('result', {
    summary: "a task's status, exit code, output and duration, now",
    mutates: false,
    errors: TASK,
    cli: 'result',
    api: 'result',
    run: ({ fleet }, p) => fleet.result(p.id),
  }),
  cancel: op('cancel', {
    summary: 'cancel a queued task, or interrupt a running one',
    mutates: true,
    errors: TASK,
    cli: 'cancel',
    api: 'cancelTask',
    run: ({ fleet }, p) => fleet.cancel(p.id),
  }),
  healthCheck: op('healthCheck', {
    summary: 'check every worker now (dead ones are revived under the restart policy)',
    mutates: true,
    errors: [],
    cli: 'health-check',
    api: 'healthCheck',
    run: ({ fleet }) => fleet.healthCheck(),
  }),
  revive: op('revive', {
    summary: 'start a dead or failed worker again, its restart limit reset',
    mutates: true,
    errors: WORKER,
    cli: 'revive',
    api: 'revive',
    run: ({ fleet }, p) => fleet.revive(p.worker),
  }),
  capture: op('capture', {
    summary: "what a worker's pane shows, or its last lines",
    mutates: false,
    errors: WORKER,
    cli: 'capture',
    api: 'capture',
    run: ({ fleet }, p) => fleet.capture(p.worker, p.lines ?? 0),
  }),
  logFile: op('logFile', {
    summary: "where a worker's pane log or a task's output is, for a client that reads it itself",
    mutates: false,
    errors: [...WORKER, 'TASK_NOT_FOUND'],
    cli: 'logs',
    // The file is on the daemon's machine: the API's callers read results instead.
    api: null,
    run: ({ fleet }, p) => fleet.logFileOf(p.target),
  }),
  stop: op('stop', {
    summary: 'stop the daemon (the workers go on unless killWorkers)',
    mutates: true,
    errors: [],
    cli: 'stop',
    // A script closes its own fleet with close(); stopping the daemon is the user's call.
    api: null,
    run: ({ stopDaemon }, p) => {
      if (!stopDaemon) return { stopping: false };
      stopDaemon(p?.killWorkers ?? false);
      return { stopping: true };
    },
  }),
  ...workflowOperations,
  ...policyOperations,
  ...queueOperations,
  ...budgetOperations,
  ...retentionOperations,
} as const satisfies { [N in OperationName]: Operation<N, unknown> };

export type OperationOutput<N extends OperationName> = Awaited<ReturnType<(typeof operations)[N]['run']>>;

export const OPERATION_NAMES = Object.keys(operations) as OperationName[];

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

// Runs an operation by name on input from anywhere: checked against its schema first.
export async function invoke<N extends OperationName>(
  ctx: OperationContext,
  name: N,
  input: unknown,
): Promise<OperationOutput<N>> {
  const parsed = parseInput(name, input);
  const operation = operations[name] as unknown as Operation<N, OperationOutput<N>>;
  return operation.run(ctx, parsed);
}
