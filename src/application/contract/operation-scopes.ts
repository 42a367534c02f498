// The scope (domain/service/scopes.ts) each operation needs over HTTP, decided from the table:
//  - `read`: every operation with `mutates: false` (status, workers, results, runs, audits, roles);
//  - `operate`: the other mutating ones, which give the fleet work or answer it (send, cancel,
//    approve/deny, revive, health-check, workflow runs and their gates);
//  - `admin`: what changes the fleet itself or its daemon: adding and removing workers (a worker
//    chooses its project, role, policy and environment), stopping the daemon, and the agent
//    hooks' own operations (policyCheck/policyAnswer, which only a worker's pane should send).
import type { Scope } from '../../domain/service/scopes.js';
import type { OperationName } from './operation-inputs.js';
import { operations } from './operations.js';

const ADMIN_OPERATIONS: ReadonlySet<OperationName> = new Set<OperationName>([
  'addWorker',
  'removeWorker',
  'stop',
  'policyCheck',
  'policyAnswer',
  // It deletes the home's history (a dry run too needs it: it lists every path).
  'prune',
]);

// The least scope a token needs to run `name`.
export function operationScope(name: OperationName): Scope {
  if (ADMIN_OPERATIONS.has(name)) return 'admin';
  return operations[name].mutates ? 'operate' : 'read';
}
