// What a worker's record says of its agent's conversation: the session id, and whether the CLI
// holds a conversation under it already (a revived TUI must then resume it, not start one anew:
// gemini and claude refuse a second conversation under the same id, "already in use").
import type { HookEvent } from '../../infrastructure/agents/hook-log.js';
import type { FleetStore } from '../fleet/fleet-store.js';

// The CLI said which conversation it is in (its Stop hook): recorded as begun.
export function markSessionStarted(store: FleetStore, workerId: string, sessionId: string): void {
  const current = store.worker(workerId);
  if (current && (current.agentSessionId !== sessionId || !current.agentSessionStarted))
    store.putWorker({ ...current, agentSessionId: sessionId, agentSessionStarted: true });
}

// The TUI took a prompt (hooks that saw it, even with no Stop after it, as in a denied turn): the
// conversation exists now, under the id we chose or the one its hooks named.
export function markConversationBegun(
  store: FleetStore,
  workerId: string,
  events: readonly HookEvent[],
): void {
  const current = store.worker(workerId);
  const named = events.map((e) => e.session_id).find((id) => typeof id === 'string');
  const sessionId = current?.agentSessionId ?? (typeof named === 'string' ? named : null);
  if (current && sessionId && !current.agentSessionStarted)
    store.putWorker({ ...current, agentSessionId: sessionId, agentSessionStarted: true });
}
