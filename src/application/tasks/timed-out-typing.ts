// Typing that timed out has an unknown outcome: a frozen tmux server runs the keys once it
// wakes. Once tmux answers again, the worker's log says whether the typed task began.
import type { Task } from '../../domain/task.js';
import type { TmuxPort } from '../ports/tmux.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import { readLogEvidence } from '../fleet/log-evidence.js';
import { waitForTmuxAnswer } from '../fleet/tmux-outcome.js';
import type { WorkerChannel } from '../workers/worker-channel.js';
import { recoverPrompt, type PromptRecoveryDeps } from './prompt-recovery.js';

// How long after tmux answers again a task typed during the freeze has to show its BEGIN marker.
const BEGIN_GRACE_MS = 10_000;
const POLL_MS = 250;

// `begun`: the task is under way (its end comes through the channel as usual); `lost`: its keys
// never arrived; `unknown`: tmux never answered, the task ended otherwise, or we are stopping.
export type TypingOutcome = 'begun' | 'lost' | 'unknown';

export async function outcomeOfTimedOutTyping(
  deps: { readonly server: TmuxPort; readonly store: FleetStore },
  channel: WorkerChannel | undefined,
  task: Task,
  stopping: () => boolean,
): Promise<TypingOutcome> {
  const answered = await waitForTmuxAnswer(deps.server);
  if (!answered || !channel || task.logOffset === null) return 'unknown';
  const deadline = Date.now() + BEGIN_GRACE_MS;
  for (;;) {
    if (deps.store.task(task.id)?.status !== 'running') return 'unknown';
    const evidence = await readLogEvidence(channel.logFile, [task], task.logOffset);
    if (evidence.begun.has(task.id) || evidence.ended.has(task.id)) {
      await channel.drain();
      return 'begun';
    }
    if (stopping()) return 'unknown';
    if (Date.now() > deadline) return 'lost';
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// Once tmux answers again, the log says whether the typed task began; keys that never arrived
// hand the task back to the queue (`requeue`) and bring the shell back to its prompt.
export async function afterTimedOutTyping(
  deps: PromptRecoveryDeps,
  workerId: string,
  task: Task,
  runner: { stopping: () => boolean; requeue: (reason: string) => void; pump: () => void },
): Promise<void> {
  const outcome = await outcomeOfTimedOutTyping(deps, deps.channel(workerId), task, runner.stopping);
  if (outcome === 'begun')
    deps.logger.info('task typed while tmux did not answer has begun', { taskId: task.id, workerId });
  if (outcome !== 'lost' || runner.stopping()) return;
  deps.logger.warn('task typed while tmux did not answer never began; queued again', {
    taskId: task.id,
    workerId,
  });
  runner.requeue('its keys were lost while tmux did not answer');
  void recoverPrompt(deps, workerId, runner.pump);
}
