// A run's end: its status, result.json, report.md and the patch.diff of its editing steps written,
// its workers removed (unless --keep-workers), the audit line last.
import { join } from 'node:path';
import type { RunRecord, RunStatus } from '../../domain/workflow/workflow-run.js';
import type { ActiveRun, WorkflowEngine } from './workflow-engine.js';

export function runReport(run: RunRecord): string {
  const lines = [
    `# ${run.name} (${run.id}): ${run.status}`,
    '',
    `project: ${run.project}`,
    `started: ${run.startedAt}`,
  ];
  if (run.finishedAt) lines.push(`finished: ${run.finishedAt}`);
  if (run.reason) lines.push(`reason: ${run.reason}`);
  lines.push('', '| step | status | attempts | verdict | summary |', '|---|---|---|---|---|');
  for (const s of run.steps) {
    const summary = (s.reason ?? s.summary ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 120);
    lines.push(`| ${s.id} | ${s.status} | ${s.attempts} | ${s.verdict ?? ''} | ${summary} |`);
  }
  return `${lines.join('\n')}\n`;
}

export async function finishRun(engine: WorkflowEngine, active: ActiveRun, status: RunStatus): Promise<void> {
  const finishedAt = new Date(engine.env.clock.now()).toISOString();
  const failed = active.run.steps.filter((s) => s.status === 'failed');
  const reason =
    active.run.reason ??
    (failed.length > 0 ? failed.map((s) => `${s.id}: ${s.reason ?? 'failed'}`).join('; ') : null);
  const run: RunRecord = { ...active.run, status, finishedAt, reason };
  const { files } = engine;
  const patches: string[] = [];
  for (const step of run.steps) {
    if ((step.workspace?.kind !== 'worktree' && step.workspace?.kind !== 'copy') || step.attempts === 0)
      continue;
    const patch = await files
      .readText(join(files.stepDir(run.id, step.id, step.attempts), 'patch.diff'))
      .catch(() => null);
    if (patch) patches.push(patch);
  }
  await files.write(run.id, 'patch.diff', patches.join('\n'));
  await files.write(run.id, 'report.md', engine.env.redact(runReport(run)));
  const result = {
    id: run.id,
    status,
    reason,
    steps: run.steps.map((s) => ({ id: s.id, status: s.status, verdict: s.verdict, outputs: s.outputs })),
  };
  await files.write(run.id, 'result.json', `${JSON.stringify(result, null, 2)}\n`);
  await engine.save(active, run);
  await files.markActive(run.id, false);
  if (!run.keepWorkers) {
    // Every worker of the run (`<run>-<step>`: the steps', the merge's verify) goes with it.
    const mine = engine.env.fleet
      .workers()
      .filter((w) => w.name.startsWith(`${run.id}-`) && w.state !== 'stopped');
    for (const worker of mine) await engine.env.fleet.removeWorker(worker.name).catch(() => undefined);
  }
  await engine.audit(active, { event: 'run_finished', status, reason });
  // Saved once more: its audit head is the log's last line, so a cut or appended log shows.
  await engine.save(active, active.run);
  engine.forget(run.id);
}
