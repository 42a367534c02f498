// A fleet controller running in this process as a FleetBackend: what `tmuxorch run` uses when no
// daemon is running, and what `Fleet.ephemeral()` gives a script. Every call goes through the
// operation table, as the daemon's socket does.
import type { FleetController } from './fleet-controller.js';
import type { OperationName, OperationRequest } from '../contract/operation-inputs.js';
import { OperationBackend } from './operation-backend.js';
import { invoke, type OperationOutput } from '../contract/operations.js';

export class InProcessBackend extends OperationBackend {
  private closing: Promise<void> | null = null;

  constructor(readonly controller: FleetController) {
    super();
  }

  call<N extends OperationName>(name: N, input: OperationRequest<N>): Promise<OperationOutput<N>> {
    return invoke({ fleet: this.controller }, name, input);
  }

  // The session and every pane in it go too, unless the caller wants to look at them.
  close(options: { keepWorkers?: boolean } = {}): Promise<void> {
    this.closing ??= this.controller.shutdown({ killWorkers: options.keepWorkers !== true });
    return this.closing;
  }
}
