// Between two tasks, a worker whose pane log outgrew its limit gets a fresh one (the old one is
// kept as `.1`); the pane's pipe is pointed at the new file. Failures are logged, never fatal.
import type { Logger } from '../infrastructure/logs/logger.js';
import type { TmuxServer } from '../infrastructure/tmux/server.js';
import type { WorkerChannel } from './worker-channel.js';

export async function rotateWorkerLog(
  workerId: string,
  paneId: string | null,
  channel: WorkerChannel | undefined,
  deps: { readonly server: TmuxServer; readonly logger: Logger; readonly maxLogBytes: number },
): Promise<void> {
  if (!paneId || !channel) return;
  const pane = deps.server.pane(paneId);
  try {
    if (await channel.rotateIfLarger(deps.maxLogBytes, () => pane.pipeToFile(channel.logFile))) {
      deps.logger.info('worker log rotated', { workerId });
    }
  } catch (error) {
    deps.logger.warn('worker log rotation failed', { workerId, error: String(error) });
  }
}
