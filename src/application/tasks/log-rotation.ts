// Between two tasks, a worker whose pane log outgrew its limit gets a fresh one (the old one is
// kept as `.1`); the pane's pipe is pointed at the new file. Failures are logged, never fatal.
import type { Logger } from '../../infrastructure/logs/logger.js';
import type { TmuxPort } from '../ports/tmux.js';
import type { WorkerChannel } from '../workers/worker-channel.js';
import type { WorkerLauncher } from '../workers/worker-launcher.js';

export async function rotateWorkerLog(
  workerId: string,
  paneId: string | null,
  channel: WorkerChannel | undefined,
  deps: {
    readonly server: TmuxPort;
    readonly launcher: WorkerLauncher;
    readonly logger: Logger;
    readonly maxLogBytes: number;
  },
): Promise<void> {
  if (!paneId || !channel) return;
  try {
    // The new pipe goes through the redacting filter too.
    const repipe = (): Promise<void> => deps.launcher.pipeLog(paneId, workerId, channel.logFile);
    if (await channel.rotateIfLarger(deps.maxLogBytes, repipe)) {
      deps.logger.info('worker log rotated', { workerId });
    }
  } catch (error) {
    deps.logger.warn('worker log rotation failed', { workerId, error: String(error) });
  }
}
