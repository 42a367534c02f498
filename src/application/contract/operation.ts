// The shape of one operation of the table (operations.ts): what it does, whether it changes the
// fleet, its errors, where a user reaches it, and the use case it runs.
import type { ErrorCode } from '../../domain/errors.js';
import type { FleetController } from '../fleet/fleet-controller.js';
import type { OperationInput, OperationName } from './operation-inputs.js';

// What an operation may reach besides the fleet's use cases: the daemon's own lifecycle.
export interface OperationContext {
  readonly fleet: FleetController;
  // `stop`: the daemon shuts down after answering (absent where no daemon runs).
  readonly stopDaemon?: (killWorkers: boolean) => void;
}

export interface Operation<N extends OperationName, O> {
  readonly summary: string;
  readonly mutates: boolean;
  readonly errors: readonly ErrorCode[];
  // The CLI command and the `Fleet` method that reach it (null: not offered there, and why).
  readonly cli: string | null;
  readonly api: string | null;
  readonly run: (ctx: OperationContext, input: OperationInput<N>) => Promise<O> | O;
}

export function op<N extends OperationName, O>(_name: N, spec: Operation<N, O>): Operation<N, O> {
  return spec;
}
