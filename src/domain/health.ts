// Health assessment as a pure function: one `list-panes -a` snapshot in, one verdict per worker out.
// Identity comes from the pane's @tmuxorch_worker option, not from the stored %N id (which is
// stale after a tmux server restart) nor from window names (humans rename them).
import { isSupervised, type Worker } from './worker.js';

export interface PaneSnapshot {
  readonly paneId: string;
  readonly windowId: string;
  readonly sessionName: string;
  readonly workerId: string | null;
  readonly paneDead: boolean;
  readonly paneDeadStatus: number | null;
  readonly paneInMode: boolean;
  // The pane's foreground program (an interactive agent's pane is back at `bash` once it exited).
  readonly paneCurrentCommand?: string;
}

// How long an interactive worker's TUI has to start before a shell in its pane means it exited.
export const AGENT_START_GRACE_MS = 15_000;
const WORKER_SHELL = 'bash';

export type WorkerVerdict =
  | {
      readonly workerId: string;
      readonly kind: 'alive';
      readonly paneId: string;
      readonly windowId: string;
      readonly remapped: boolean;
    }
  | {
      readonly workerId: string;
      readonly kind: 'dead';
      readonly paneId: string | null;
      readonly reason: string;
    };

// Judges every supervised worker against the pane snapshot of `session`.
export function assessWorkers(
  workers: readonly Worker[],
  panes: readonly PaneSnapshot[],
  session: string,
  nowMs: number = Date.now(),
): WorkerVerdict[] {
  const byWorker = new Map<string, PaneSnapshot>();
  for (const pane of panes) {
    if (pane.sessionName !== session || !pane.workerId) continue;
    // Two panes claiming one worker (a human copied the option): keep the live one.
    const seen = byWorker.get(pane.workerId);
    if (!seen || (seen.paneDead && !pane.paneDead)) byWorker.set(pane.workerId, pane);
  }
  const verdicts: WorkerVerdict[] = [];
  for (const worker of workers) {
    if (!isSupervised(worker) || worker.state === 'dead' || worker.state === 'reviving') continue;
    const pane = byWorker.get(worker.id);
    if (!pane) {
      verdicts.push({ workerId: worker.id, kind: 'dead', paneId: null, reason: 'its pane is gone' });
    } else if (pane.paneDead) {
      const status = pane.paneDeadStatus === null ? '' : ` with status ${pane.paneDeadStatus}`;
      verdicts.push({
        workerId: worker.id,
        kind: 'dead',
        paneId: pane.paneId,
        reason: `its program exited${status}`,
      });
    } else if (agentExited(worker, pane, nowMs)) {
      verdicts.push({
        workerId: worker.id,
        kind: 'dead',
        paneId: pane.paneId,
        reason: 'its agent exited (the pane is back at its shell)',
      });
    } else {
      verdicts.push({
        workerId: worker.id,
        kind: 'alive',
        paneId: pane.paneId,
        windowId: pane.windowId,
        remapped: pane.paneId !== worker.paneId,
      });
    }
  }
  return verdicts;
}

// An interactive agent worker whose pane runs the bare worker shell well after its start: the TUI
// crashed or was quit. (A one-shot or shell worker is meant to sit at its shell.)
function agentExited(worker: Worker, pane: PaneSnapshot, nowMs: number): boolean {
  if (worker.mode !== 'interactive' || worker.state !== 'idle') return false;
  if (pane.paneCurrentCommand !== WORKER_SHELL) return false;
  const started = worker.startedAt ? Date.parse(worker.startedAt) : nowMs;
  return nowMs - started >= AGENT_START_GRACE_MS;
}
