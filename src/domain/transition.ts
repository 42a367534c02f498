// The one rule of the task and worker state machines: a move its table does not list is refused
// with INVALID_TRANSITION, naming what would have moved, from where and to where.
import { InvalidTransitionError } from './errors.js';

export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

// `what` names it in the message ("task t-1"); `details` identify it ({ taskId }).
export function assertTransition<S extends string>(
  table: TransitionTable<S>,
  from: S,
  to: S,
  what: string,
  details: Readonly<Record<string, unknown>>,
): void {
  if (!table[from].includes(to)) {
    throw new InvalidTransitionError(`${what} cannot go from ${from} to ${to}`, { ...details, from, to });
  }
}
