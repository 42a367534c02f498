// `tmuxorch approve W` / `deny W`: what the worker waits on is answered (and a worktree's push
// asked about the same way). Its role's or the
// budget's ask comes first (a command not yet typed, an agent's tool call, a held agent task),
// then the question an interactive agent's TUI shows.
import { UsageError } from '../../domain/errors.js';
import { toWorkerView, type WorkerView } from '../contract/views.js';
import type { FleetRuntime } from '../fleet/fleet-runtime.js';

export async function answerWorker(rt: FleetRuntime, ref: string, approve: boolean): Promise<WorkerView> {
  const worker = rt.store.requireWorker(ref);
  // What its role asks about comes first (a command not yet typed, an agent's tool call).
  if (rt.policy.isWaiting(worker)) {
    const answered = rt.policy.answer(worker, approve);
    await rt.store.flush();
    return toWorkerView(answered, rt.store.tasks());
  }
  if (worker.mode !== 'interactive' || worker.agentCondition !== 'awaiting_approval') {
    throw new UsageError(`worker ${worker.name} is not waiting for an approval (it is ${worker.state})`, {
      worker: worker.name,
    });
  }
  await rt.interactive.answer(worker, approve);
  return toWorkerView(rt.store.requireWorker(worker.id), rt.store.tasks());
}

// The shell function a worktree's pre-push hook runs (`tmuxorch_ask REMOTE URL`): the push asked
// about through the worker's policy check, as its agent's tool hook asks; true only when allowed.
export function pushAskCommand(policyCommand: string): string {
  const check = `{ ${policyCommand}; }`;
  return `tmuxorch_ask() { printf '{"tool_name":"Bash","tool_input":{"command":"git push %s"}}' "$2" | ${check} | grep -q '"permissionDecision":"allow"'; }; tmuxorch_ask`;
}
