// How a workflow run reads for a person (`flow status`, `flow run --wait`), and the follower
// that prints each step's change as it happens.
import type { RunSummary, RunView, StepView } from '../../domain/workflow/workflow-view.js';
import { DaemonNotRunningError } from '../../domain/errors.js';
import type { CliContext } from './context.js';
import type { Styler } from './output.js';
import { formatDuration } from './output.js';

// What a step or an agent wrote, made safe to print: no escape sequence or other control
// character reaches the terminal (an agent could clear or fake the screen), one line.
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function mark(status: string, s: Styler): string {
  if (status === 'succeeded') return s.green(status);
  if (status === 'failed' || status === 'cancelled') return s.red(status);
  if (status === 'awaiting_approval') return s.yellow(status);
  return status;
}

function stepLine(step: StepView, s: Styler): string {
  const parts = [`  ${step.id.padEnd(16)} ${mark(step.status, s)}`];
  if (step.attempts > 1) parts.push(`attempt ${step.attempts}`);
  if (step.iteration > 0) parts.push(`iteration ${step.iteration}`);
  if (step.verdict) parts.push(`verdict ${step.verdict}`);
  if (step.durationMs !== null) parts.push(formatDuration(step.durationMs));
  const line = parts.join(', ');
  const why =
    step.gate?.state === 'waiting' ? step.gate.message : step.status === 'failed' ? step.reason : null;
  return why ? `${line}\n${s.dim(`      ${why}`)}` : line;
}

export function describeRun(run: RunView, s: Styler): string {
  const lines = [`${s.bold(run.id)} ${run.name}: ${mark(run.status, s)} (${run.mode})`];
  for (const step of run.steps) lines.push(stepLine(step, s));
  if (run.gate?.state === 'waiting') lines.push(s.yellow(`  waiting: ${printable(run.gate.message)}`));
  const waiting = run.steps.filter((st) => st.gate?.state === 'waiting');
  if (waiting.length > 1)
    lines.push(
      s.dim(
        `  tmuxorch flow approve ${run.id} STEP   (one of ${waiting.map((w) => w.id).join(', ')}; or flow deny …)`,
      ),
    );
  else if (waiting.length > 0 || run.gate?.state === 'waiting')
    lines.push(
      s.dim(
        `  tmuxorch flow approve ${run.id}${waiting.length === 1 ? ` ${waiting[0]?.id ?? ''}` : ''}   (or flow deny … --reason …)`,
      ),
    );
  if (run.reason && run.status !== 'running') lines.push(s.dim(`  ${printable(run.reason)}`));
  if (run.costUsd > 0) lines.push(s.dim(`  cost $${run.costUsd.toFixed(4)}, ${run.agentTurns} agent turns`));
  return lines.join('\n');
}

export function describeRunLine(run: RunSummary): string {
  return `${run.id}  ${run.status.padEnd(17)}  ${run.startedAt}  ${run.name}`;
}

const POLL_MS = 300;

// Follows a run until it ends, printing each step's change on stderr (stdout stays for the
// result); a daemon restarting meanwhile is waited for.
export async function followRun(ctx: CliContext, id: string): Promise<RunView> {
  const seen = new Map<string, string>();
  let gateShown = '';
  for (;;) {
    let run: RunView;
    try {
      run = await ctx.call('flowStatus', { id });
    } catch (error) {
      if (!(error instanceof DaemonNotRunningError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    for (const step of run.steps) {
      const key = `${step.status}/${step.attempts}/${step.iteration}`;
      if (seen.get(step.id) === key) continue;
      seen.set(step.id, key);
      if (step.status !== 'pending') process.stderr.write(`${stepLine(step, ctx.err)}\n`);
    }
    const gate = run.gate?.state === 'waiting' ? run.gate.message : '';
    if (gate && gate !== gateShown)
      process.stderr.write(`  waiting: ${gate} (tmuxorch flow approve ${id})\n`);
    gateShown = gate;
    if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') return run;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
