// A tmux command that timed out has an unknown outcome: the server may be frozen (SIGSTOP, swap)
// and run it late, once it answers again. These helpers tell a timeout from a failure and wait
// for the server to answer, after which the outcome can be read back (list-panes, the log).
import { TmuxCommandError } from '../../domain/errors.js';
import type { TmuxPort } from '../ports/tmux.js';

export function isTmuxTimeout(error: unknown): boolean {
  return error instanceof TmuxCommandError && error.details.timedOut === true;
}

const POLL_MS = 250;

// Resolves true once the server answers a query (commands queued before it on an ordered
// transport have then run), false if it still has not after `limitMs`.
export async function waitForTmuxAnswer(server: TmuxPort, limitMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const identity = await server.identity().catch(() => ({ known: false as const, reason: 'gone' }));
    if (identity.known) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}
