// What the parts of a run's progress (failures, loops, merges, gate decisions) share: the engine
// that saves and audits, the progress they hand back to, the clock, a step by its id.
import type { StepRecord } from '../../domain/workflow/workflow-run.js';
import type { RunProgress } from './run-progress.js';
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';

export abstract class RunPart {
  constructor(
    protected readonly engine: WorkflowEngine,
    protected readonly progress: RunProgress,
  ) {}

  protected now(): number {
    return this.engine.env.clock.now();
  }

  protected find(active: ActiveRun, id: string): StepRecord | undefined {
    return active.run.steps.find((s) => s.id === id);
  }
}
