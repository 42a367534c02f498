// `tmuxorch flow …`: workflows. validate, plan and schema run here on the file alone; the rest
// are operations of the daemon, where runs live (a run outlives the terminal that started it).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { attachTo } from './workers.js';
import { runAudit, runList, runStatus } from '../flow-files.js';
import { DaemonNotRunningError, UsageError } from '../../../domain/errors.js';
import { cleanRunOffline } from '../offline.js';
import type { RunView } from '../../../domain/workflow/workflow-view.js';
import type { WorkflowSpec } from '../../../domain/workflow/workflow-spec.js';
import { DEFAULT_MAX_PARALLEL } from '../../../domain/workflow/workflow-schedule.js';
import type { CliContext } from '../context.js';
import { ExitRequest } from '../exit-codes.js';
import { collect, nonEmpty, parseProject } from '../parse.js';
import type { WorkflowFile } from '../../../infrastructure/workflow/workflow-file.js';
import { describeRun, describeRunLine, followRun } from '../flow-output.js';

// `--input K=V` pairs (repeatable).
export function parseInputs(pairs: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input takes NAME=VALUE (got "${pair}")`, {});
    inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return inputs;
}

// A step as `flow plan` lists it: its role, and a matrix's fan-out (how many instances, how many at once).
function describePlanned(spec: WorkflowSpec, roles: Readonly<Record<string, string>>, id: string): string {
  const step = spec.steps[id];
  const parts = [roles[id], step?.kind === 'gate' ? 'gate' : undefined];
  if (step?.matrix !== undefined) {
    const count =
      typeof step.matrix === 'string'
        ? `one per item of ${step.matrix}`
        : `${Object.values(step.matrix).reduce((n, values) => n * values.length, 1)} instances`;
    parts.push(`${count}, at most ${step['max-parallel'] ?? DEFAULT_MAX_PARALLEL} at once`);
  }
  const said = parts.filter(Boolean);
  return said.length > 0 ? `${id} (${said.join('; ')})` : id;
}

function parseMode(value: string): 'manual' | 'auto' {
  if (value !== 'manual' && value !== 'auto')
    throw new UsageError(`--mode is manual or auto (got ${value})`, {});
  return value;
}

async function loadFile(file: string): Promise<WorkflowFile> {
  const { loadWorkflowFile } = await import('../../../infrastructure/workflow/workflow-file.js');
  return loadWorkflowFile(parseProject(nonEmpty(file, 'FILE', 'a workflow file'), 'FILE'));
}

export function registerFlow(program: Command, ctx: CliContext): void {
  const flow = program
    .command('flow')
    .description('workflows: a DAG of agent and shell steps, gates, loops and merges');

  flow
    .command('validate <file>')
    .description('check a workflow file; every error names file:line:col and the field')
    .action(async (file: string) => {
      const loaded = await loadFile(file);
      ctx.print(
        { valid: true, name: loaded.spec.name, hash: loaded.hash, steps: Object.keys(loaded.spec.steps) },
        () => `${loaded.path}: valid (${Object.keys(loaded.spec.steps).length} steps)`,
      );
    });

  flow
    .command('plan <file>')
    .description('print the resolved DAG (order, parallel groups, gates, roles) without opening a window')
    .option('--input <name=value>', 'a workflow input (repeatable)', collect, [])
    .action(async (file: string, opts: { input: string[] }) => {
      const loaded = await loadFile(file);
      const { planWorkflow, resolveInputs } = await import('../../../domain/workflow/workflow-graph.js');
      const inputs = resolveInputs(loaded.spec, parseInputs(opts.input));
      const plan = planWorkflow(loaded.spec);
      ctx.print({ name: loaded.spec.name, inputs, ...plan }, () =>
        [
          `${loaded.spec.name}: ${plan.order.length} steps`,
          ...plan.levels.map(
            (level, i) =>
              `  ${i + 1}. ${level.map((id) => describePlanned(loaded.spec, plan.roles, id)).join(', ')}`,
          ),
          ...(plan.gates.length > 0 ? [`gates: ${plan.gates.join(', ')}`] : []),
          ...plan.loops.map((l) => `loop ${l.id}: ${l.steps.join(' → ')} (at most ${l.maxIterations})`),
        ].join('\n'),
      );
    });

  flow
    .command('schema [what]')
    .description("print the JSON Schema of a workflow file (default) or of a step's result.json (result)")
    .action(async (what: string | undefined) => {
      if (what === 'result') {
        const { STEP_RESULT_SCHEMA } = await import('../../../infrastructure/workflow/step-outputs.js');
        process.stdout.write(`${JSON.stringify(STEP_RESULT_SCHEMA, null, 2)}\n`);
        return;
      }
      if (what !== undefined && what !== 'workflow')
        throw new UsageError(`flow schema takes workflow or result (got ${what})`, {});
      const { workflowJsonSchema } = await import('../../../domain/workflow/workflow-json-schema.js');
      process.stdout.write(`${JSON.stringify(workflowJsonSchema(), null, 2)}\n`);
    });

  flow
    .command('run <file>')
    .description(
      'start a workflow run in the daemon; prints its id (--wait: follow it, exit 0 only if it succeeded)',
    )
    .option('--project <dir>', 'the project it works on', '.')
    .option('--input <name=value>', 'a workflow input (repeatable)', collect, [])
    .option('--mode <mode>', 'manual: every gate waits for you; auto: only required gates do', 'manual')
    .option('--keep-workers', "leave the steps' workers (and windows) when the run ends")
    .option('--wait', 'follow the run with live progress until it ends')
    .action(
      async (
        file: string,
        opts: { project: string; input: string[]; mode: string; keepWorkers?: boolean; wait?: boolean },
      ) => {
        const loaded = await loadFile(file);
        const run = await ctx.call('flowRun', {
          spec: loaded.document,
          file: loaded.path,
          project: parseProject(opts.project),
          inputs: parseInputs(opts.input),
          mode: parseMode(opts.mode),
          keepWorkers: opts.keepWorkers === true,
        });
        if (!opts.wait) {
          ctx.print({ id: run.id }, () => `${run.id}: ${run.name} started (tmuxorch flow status ${run.id})`);
          return;
        }
        const final = await followRun(ctx, run.id);
        ctx.print(final, () => describeRun(final, ctx.out));
        if (final.status !== 'succeeded') throw new ExitRequest(1);
      },
    );

  flow
    .command('status <run>')
    .description('where a run stands: its steps, their attempts, verdicts and gates')
    .action(async (id: string) => {
      const run = await runStatus(ctx, id);
      ctx.print(run, () => describeRun(run, ctx.out));
    });

  flow
    .command('list')
    .description('the workflow runs, newest first')
    .action(async () => {
      const list = await runList(ctx);
      ctx.print(list, () =>
        list.runs.length === 0 ? 'no workflow runs' : list.runs.map(describeRunLine).join('\n'),
      );
    });

  flow
    .command('approve <run> [step]')
    .description('pass the gate the run waits at (bound to the artifacts it showed)')
    .option('--note <text>', 'recorded with the approval')
    .action(async (id: string, step: string | undefined, opts: { note?: string }) => {
      const run = await ctx.call('flowApprove', {
        id,
        ...(step ? { step } : {}),
        ...(opts.note ? { note: opts.note } : {}),
      });
      ctx.print(run, () => describeRun(run, ctx.out));
    });

  flow
    .command('deny <run> [step]')
    .description('refuse the gate the run waits at')
    .requiredOption('--reason <text>', 'why (recorded in the audit log)')
    .action(async (id: string, step: string | undefined, opts: { reason: string }) => {
      const run = await ctx.call('flowDeny', { id, reason: opts.reason, ...(step ? { step } : {}) });
      ctx.print(run, () => describeRun(run, ctx.out));
    });

  flow
    .command('cancel <run>')
    .description('cancel a run: running steps interrupted, nothing more started')
    .action(async (id: string) => {
      const run: RunView = await ctx.call('flowCancel', { id });
      ctx.print(run, () => describeRun(run, ctx.out));
    });

  flow
    .command('resume <run>')
    .description('continue a failed or cancelled run from its first unfinished step')
    .option('--wait', 'follow the run until it ends')
    .action(async (id: string, opts: { wait?: boolean }) => {
      let run = await ctx.call('flowResume', { id });
      if (opts.wait) run = await followRun(ctx, id);
      ctx.print(run, () => describeRun(run, ctx.out));
      if (opts.wait && run.status !== 'succeeded') throw new ExitRequest(1);
    });

  flow
    .command('audit <run>')
    .description("a run's audit log; --verify: whether its hash chain is intact (exit 1 if not)")
    .option('--verify', 'check the chain only')
    .action(async (id: string, opts: { verify?: boolean }) => {
      const audit = await runAudit(ctx, id);
      if (opts.verify) {
        const { verdict } = audit;
        ctx.print(verdict, () =>
          verdict.intact
            ? `${id}: audit chain intact (${verdict.lines} lines)`
            : `${id}: audit chain broken at line ${verdict.brokenAt ?? '?'}: ${verdict.reason ?? ''}`,
        );
        if (!verdict.intact) throw new ExitRequest(1);
        return;
      }
      ctx.print(audit, () =>
        audit.lines
          .map((l) =>
            'unreadable' in l
              ? `(not JSON) ${l.unreadable}`
              : `${l.at} ${l.event}${l.step ? ` ${l.step}` : ''}`,
          )
          .join('\n'),
      );
    });

  flow
    .command('clean <run>')
    .description(
      "remove a finished run's worktrees whose branches are merged or pushed; say what stays and why",
    )
    .action(async (id: string) => {
      const report = await ctx.call('flowClean', { id }).catch(async (error: unknown) => {
        if (!(error instanceof DaemonNotRunningError)) throw error;
        return cleanRunOffline(ctx, id);
      });
      ctx.print(report, () =>
        [
          ...report.removed.map((e) => `removed ${e.path}${e.branch ? ` (${e.branch})` : ''}`),
          ...report.kept.map((e) => `kept    ${e.path}: ${e.reason}`),
          ...(report.removed.length + report.kept.length === 0 ? [`${id}: no worktree to clean`] : []),
        ].join('\n'),
      );
    });

  flow
    .command('logs <run> [step]')
    .description("what a run did (its logs.txt), or a step's output (its last attempt's raw_output.txt)")
    .action(async (id: string, step: string | undefined) => {
      const run = await runStatus(ctx, id);
      const dir = join(ctx.settings.paths.flowsDir, run.id);
      let file = join(dir, 'logs.txt');
      if (step !== undefined) {
        const found = run.steps.find((s) => s.id === step);
        if (!found)
          throw new UsageError(`run ${id} has no step ${step}: ${run.steps.map((s) => s.id).join(', ')}`, {});
        if (found.attempts === 0) throw new UsageError(`step ${step} has not run yet (${found.status})`, {});
        file = join(dir, 'steps', step, String(found.attempts), 'raw_output.txt');
      }
      const text = await readFile(file, 'utf8').catch(() => '');
      if (ctx.json) process.stdout.write(`${JSON.stringify({ id, step: step ?? null, file, text })}\n`);
      else process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    });

  flow
    .command('attach <run> <step>')
    .description("attach this terminal to a step's window")
    .action(async (id: string, step: string) => {
      const run = await runStatus(ctx, id);
      const found = run.steps.find((s) => s.id === step);
      if (!found?.worker)
        throw new UsageError(
          `step ${step} of run ${id} has no window (${found?.status ?? 'no such step'})`,
          {},
        );
      await attachTo(ctx, found.worker);
    });
}
