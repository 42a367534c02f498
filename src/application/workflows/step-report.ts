// A step attempt's report.md: what it ran on, how it ended, what it left (its outputs, a policy
// violation kept on its branch, the secrets redacted in what it left).
import type { StepRecord } from '../../domain/workflow/workflow-run.js';
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';

// The attempt's report.md: what it ran on, how it ended, what it left.
export async function writeStepReport(
  engine: WorkflowEngine,
  active: ActiveRun,
  step: StepRecord,
): Promise<void> {
  const lines = [
    `# ${step.id}, attempt ${step.attempts}${step.iteration > 0 ? ` (iteration ${step.iteration})` : ''}: ${step.status}`,
    '',
    `worker: ${step.worker ?? '-'}${step.agentSessionId ? ` (agent session ${step.agentSessionId})` : ''}`,
    `workspace: ${step.workspace?.path ?? '-'}${step.workspace?.branch ? ` (branch ${step.workspace.branch})` : ''}`,
    `exit code: ${step.exitCode ?? '-'}, ${step.durationMs ?? '-'} ms`,
    ...(step.reason ? [`reason: ${step.reason}`] : []),
    ...(step.summary ? [`summary: ${step.summary}`] : []),
    ...Object.entries(step.outputs).map(([name, path]) => `output ${name}: ${path}`),
    ...(step.violations?.length
      ? [`policy violation: ${step.violations.join(', ')} (kept on its branch, never merged)`]
      : []),
    ...(step.secretsRedacted ? [`secrets: ${step.secretsRedacted} found in what it left, redacted`] : []),
  ];
  const dir = engine.files.stepDir(active.run.id, step.id, step.attempts);
  await engine.files.writeStepFile(dir, 'report.md', engine.env.redact(`${lines.join('\n')}\n`));
}
