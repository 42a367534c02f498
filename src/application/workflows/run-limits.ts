// A run's limits (wall time, cost in USD from what the agents report, agent turns): reached, the
// run pauses at a gate of its own saying which; running steps finish, no new one starts. It is
// never killed for it: a person approves (the limit no longer pauses this run) or denies (the
// run is cancelled).
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';
import { openGate } from './gates.js';

export class RunLimits {
  constructor(private readonly engine: WorkflowEngine) {}

  // True while the run is held at its limit gate.
  async check(active: ActiveRun): Promise<boolean> {
    const { run, spec } = active;
    if (run.gate?.state === 'waiting') return true;
    const now = this.engine.env.clock.now();
    const reached = this.reached(active, now);
    if (!reached) return false;
    const gate = openGate('limit', reached, {}, now, undefined);
    await this.engine.save(active, { ...run, gate, status: 'awaiting_approval' });
    await this.engine.audit(active, { event: 'limit_reached', message: reached, limits: spec.limits });
    return true;
  }

  private reached(active: ActiveRun, now: number): string | null {
    const { run, spec } = active;
    const waived = new Set(run.limitsWaived);
    const { wall_time: wall, cost_usd: cost, agent_turns: turns } = spec.limits;
    if (wall !== undefined && !waived.has('wall_time') && now - Date.parse(run.startedAt) >= wall)
      return `wall_time reached: the run has taken ${Math.round((now - Date.parse(run.startedAt)) / 1000)} s (limit ${Math.round(wall / 1000)} s)`;
    if (cost !== undefined && !waived.has('cost_usd') && run.costUsd >= cost)
      return `cost_usd reached: the agents report $${run.costUsd.toFixed(4)} (limit $${cost})`;
    if (turns !== undefined && !waived.has('agent_turns') && run.agentTurns >= turns)
      return `agent_turns reached: ${run.agentTurns} agent turns (limit ${turns})`;
    return null;
  }
}
