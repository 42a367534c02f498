// The workflow operations of the table (operations.ts spreads them in): runs live in the daemon's
// WorkflowEngine, so a run outlives the terminal that started it.
import { toRunSummary, toRunView } from '../../domain/workflow/workflow-view.js';
import { runAudit } from '../../infrastructure/workflow/audit-log.js';
import { op } from './operation.js';

const RUN = ['WORKFLOW_NOT_FOUND', 'USAGE'] as const;

export const workflowOperations = {
  flowRun: op('flowRun', {
    summary: 'start a workflow run from a workflow document, in a project',
    mutates: true,
    errors: ['WORKFLOW_INVALID', 'PROJECT_NOT_FOUND', 'WORKSPACE_FAILED', 'USAGE'],
    cli: 'flow run',
    api: 'runWorkflow',
    run: async ({ fleet }, p) =>
      toRunView(
        await fleet.requireWorkflows().start({
          spec: p.spec,
          file: p.file ?? null,
          project: p.project,
          inputs: p.inputs ?? {},
          mode: p.mode ?? 'manual',
          keepWorkers: p.keepWorkers ?? false,
        }),
      ),
  }),
  flowStatus: op('flowStatus', {
    summary: 'a workflow run: its status, its steps, any gate waiting',
    mutates: false,
    errors: RUN,
    cli: 'flow status',
    api: 'workflow',
    run: async ({ fleet }, p) => toRunView(await fleet.requireWorkflows().status(p.id)),
  }),
  flowList: op('flowList', {
    summary: 'the workflow runs, newest first',
    mutates: false,
    errors: [],
    cli: 'flow list',
    api: 'workflows',
    run: async ({ fleet }) => ({ runs: (await fleet.requireWorkflows().list()).map(toRunSummary) }),
  }),
  flowApprove: op('flowApprove', {
    summary: 'pass the gate a run waits at, bound to the artifacts it showed',
    mutates: true,
    errors: RUN,
    cli: 'flow approve',
    api: 'approveWorkflow',
    run: async ({ fleet }, p) =>
      toRunView(await fleet.requireWorkflows().approve(p.id, p.step, p.note ?? null)),
  }),
  flowDeny: op('flowDeny', {
    summary: 'refuse the gate a run waits at, with the reason',
    mutates: true,
    errors: RUN,
    cli: 'flow deny',
    api: 'denyWorkflow',
    run: async ({ fleet }, p) => toRunView(await fleet.requireWorkflows().deny(p.id, p.step, p.reason)),
  }),
  flowCancel: op('flowCancel', {
    summary: 'cancel a run: its running steps interrupted, nothing more started',
    mutates: true,
    errors: RUN,
    cli: 'flow cancel',
    api: 'cancelWorkflow',
    run: async ({ fleet }, p) => toRunView(await fleet.requireWorkflows().cancel(p.id)),
  }),
  flowResume: op('flowResume', {
    summary: 'continue a failed or cancelled run from its first unfinished step',
    mutates: true,
    errors: RUN,
    cli: 'flow resume',
    api: 'resumeWorkflow',
    run: async ({ fleet }, p) => toRunView(await fleet.requireWorkflows().resume(p.id)),
  }),
  flowAudit: op('flowAudit', {
    summary: "a run's audit log, and whether its hash chain is intact",
    mutates: false,
    errors: RUN,
    cli: 'flow audit',
    api: 'workflowAudit',
    run: async ({ fleet }, p) => {
      const engine = fleet.requireWorkflows();
      return runAudit(engine.files.auditFile(p.id), await engine.status(p.id));
    },
  }),
  flowClean: op('flowClean', {
    summary: "remove a finished run's worktrees whose branches are merged or pushed; say why the rest stay",
    mutates: true,
    errors: [...RUN, 'WORKSPACE_FAILED'],
    cli: 'flow clean',
    api: 'cleanWorkflow',
    run: ({ fleet }, p) => fleet.requireWorkflows().clean(p.id),
  }),
};
