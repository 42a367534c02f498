// After a timeout: Ctrl-C until the worker's shell answers a ready probe, then the worker is idle
// again. Keys for the next task must never reach a program that is still running, so a worker
// that never answers is handed to the health monitor as stuck.
import { transitionWorker } from '../../domain/worker.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { TmuxPort } from '../ports/tmux.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import type { WorkerChannel } from '../workers/worker-channel.js';
import type { WorkerLauncher } from '../workers/worker-launcher.js';

const INTERRUPT_ATTEMPTS = 3;
const PROMPT_WAIT_MS = 5_000;

export interface PromptRecoveryDeps {
  readonly store: FleetStore;
  readonly server: TmuxPort;
  readonly launcher: WorkerLauncher;
  readonly logger: Logger;
  readonly channel: (workerId: string) => WorkerChannel | undefined;
  // A worker that did not come back to its prompt after Ctrl-C: the health monitor takes over.
  readonly onWorkerStuck: (workerId: string, reason: string) => void;
}

export async function recoverPrompt(
  deps: PromptRecoveryDeps,
  workerId: string,
  onIdle: () => void,
): Promise<void> {
  const { store, server, launcher } = deps;
  for (let attempt = 1; attempt <= INTERRUPT_ATTEMPTS; attempt++) {
    const worker = store.worker(workerId);
    const channel = deps.channel(workerId);
    if (!worker?.paneId || !channel || worker.state !== 'busy') return;
    try {
      const pane = server.pane(worker.paneId);
      await pane.leaveModes();
      await pane.sendKeys('C-c');
      await launcher.waitReady(worker.paneId, channel, PROMPT_WAIT_MS);
      const current = store.worker(workerId);
      if (current?.state === 'busy') store.putWorker(transitionWorker(current, 'idle'));
      onIdle();
      return;
    } catch (error) {
      deps.logger.warn('worker did not return to its prompt', { workerId, attempt, error: String(error) });
    }
  }
  deps.onWorkerStuck(workerId, `did not return to its prompt after ${INTERRUPT_ATTEMPTS} Ctrl-C`);
}
