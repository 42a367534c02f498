// What an agent step's prompt carries besides its template: the footer saying where its files go,
// and the prompt of a step handed a failure back (its `rework`, or this default).
import type { AgentStepSpec } from '../../domain/workflow/workflow-spec.js';

export const DEFAULT_REWORK = [
  'The step ${{ failure.step }} failed after your change. The end of its output:',
  '',
  '${{ failure.output }}',
  '',
  'Fix the cause, then finish as before.',
].join('\n');

// What the agent is told about where its files go (no line starts like a sim directive).
export function stepFooter(step: AgentStepSpec, stepDir: string): string {
  const outputs = Object.entries(step.outputs).map(([name, out]) => `${out.path} (${name})`);
  return [
    '---',
    `This is a tmuxorch workflow step. Its directory is ${stepDir}.`,
    ...(outputs.length > 0 ? [`Files this step must leave in that directory: ${outputs.join(', ')}.`] : []),
    `When you are done, put result.json there: {"status": "succeeded" or "failed", "summary": "one line"}.`,
  ].join('\n');
}
