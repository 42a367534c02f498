// A run's limits (wall time, cost in USD from what the agents report, agent turns): reached, the
// run pauses at a gate of its own saying which; running steps finish, no new one starts. It is
// never killed for it: a person approves (the limit no longer pauses this run) or denies (the
// run is cancelled). Each approval allows as much again (a second 30 turns after the first 30).
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';
import type { LimitName } from '../../domain/workflow/workflow-run.js';
import { openGate } from './gates.js';

// The key of the wall-time timer among a run's timers (step ids key the others; `_` starts none).
const WALL_TIMER = '_wall_time';
const MAX_TIMER_MS = 2 ** 31 - 1;

export class RunLimits {
  constructor(private readonly engine: WorkflowEngine) {}

  // True while the run is held at its limit gate.
  async check(active: ActiveRun): Promise<boolean> {
    const { run, spec } = active;
    if (run.gate?.state === 'waiting') return true;
    // Nothing left to start: a limit has nothing to hold back (the run ends as it is).
    if (!run.steps.some((s) => s.status === 'pending')) return false;
    const now = this.engine.env.clock.now();
    const reached = this.reached(active, now);
    if (!reached) {
      this.armWallTime(active, now);
      return false;
    }
    const gate = openGate('limit', reached.message, {}, now, undefined, { limit: reached.limit });
    await this.engine.save(active, { ...run, gate, status: 'awaiting_approval' });
    await this.engine.audit(active, {
      event: 'limit_reached',
      message: reached.message,
      limits: spec.limits,
    });
    return true;
  }

  // The wall time passes while a long step runs and nothing else changes: a timer looks again
  // then, so the run shows its limit gate when the limit is reached, not at the next step's end.
  private armWallTime(active: ActiveRun, now: number): void {
    const wall = active.spec.limits.wall_time;
    if (wall === undefined || active.timers.has(WALL_TIMER)) return;
    const times = 1 + active.run.limitApprovals.filter((w) => w === 'wall_time').length;
    const delay = Math.max(0, Date.parse(active.run.startedAt) + wall * times - now);
    // Node's timers hold at most 2^31-1 ms: a longer wait looks again then.
    const timer = setTimeout(
      () => {
        active.timers.delete(WALL_TIMER);
        this.engine.kick(active.run.id);
      },
      Math.min(delay + 10, MAX_TIMER_MS),
    );
    timer.unref();
    active.timers.set(WALL_TIMER, timer);
  }

  private reached(active: ActiveRun, now: number): { limit: LimitName; message: string } | null {
    const { run, spec } = active;
    // A limit approved n times allows n + 1 times its amount.
    const times = (name: LimitName): number => 1 + run.limitApprovals.filter((w) => w === name).length;
    const { wall_time: wall, cost_usd: cost, agent_turns: turns } = spec.limits;
    const took = now - Date.parse(run.startedAt);
    if (wall !== undefined && took >= wall * times('wall_time'))
      return {
        limit: 'wall_time',
        message: `wall_time reached: the run has taken ${Math.round(took / 1000)} s (limit ${Math.round((wall * times('wall_time')) / 1000)} s)`,
      };
    if (cost !== undefined && run.costUsd >= cost * times('cost_usd'))
      return {
        limit: 'cost_usd',
        message: `cost_usd reached: the agents report $${run.costUsd.toFixed(4)} (limit $${cost * times('cost_usd')})`,
      };
    if (turns !== undefined && run.agentTurns >= turns * times('agent_turns'))
      return {
        limit: 'agent_turns',
        message: `agent_turns reached: ${run.agentTurns} agent turns (limit ${turns * times('agent_turns')})`,
      };
    return null;
  }
}
