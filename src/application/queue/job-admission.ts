// A submitted payload made into a job: checked against the published schema, and what cannot run
// refused now rather than failed later (the workflow and its inputs, the project, the worker).
import { customAlphabet } from 'nanoid';
import { UsageError, WorkerNotFoundError } from '../../domain/errors.js';
import {
  checkJobPayload,
  type Job,
  type JobPayload,
  type JobSource,
  type JobStatus,
} from '../../domain/queue/job.js';
import { resolveInputs } from '../../domain/workflow/workflow-graph.js';
import { loadWorkflowFile } from '../../infrastructure/workflow/workflow-file.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import { validateWorkflow } from '../workflows/run-start.js';
import { checkProject } from '../../infrastructure/fs/project-directory.js';

const jobIdPart = customAlphabet('abcdefghijkmnpqrstuvwxyz23456789', 10);

// The payload, or USAGE naming the first field at fault.
export function payloadOf(raw: unknown): JobPayload {
  const checked = checkJobPayload(raw);
  if (!('issues' in checked)) return checked.payload;
  const first = checked.issues[0];
  throw new UsageError(`bad job ${first?.path || '(payload)'}: ${first?.message ?? 'invalid'}`, {
    field: first?.path ?? '',
    issues: checked.issues,
  });
}

// The new job (seq 0: the store numbers it when it is saved).
export async function admitJob(
  payload: JobPayload,
  key: string | null,
  source: JobSource,
  fleet: FleetStore,
  now: string,
): Promise<Job> {
  const id = `j${jobIdPart()}`;
  const base = {
    id,
    key: key ?? id,
    seq: 0,
    inputs: payload.inputs ?? {},
    requireApproval: payload.requireApproval ?? false,
    status: (payload.requireApproval ? 'awaiting_approval' : 'pending') as JobStatus,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    attempts: 0,
    target: null,
    reason: null,
    source,
  };
  if (payload.kind === 'workflow') {
    const file = typeof payload.workflow === 'string' ? payload.workflow : null;
    const document = file === null ? payload.workflow : (await loadWorkflowFile(file)).document;
    resolveInputs(validateWorkflow(document), payload.inputs ?? {});
    await checkProject(payload.project);
    return {
      ...base,
      kind: 'workflow',
      project: payload.project,
      mode: payload.mode ?? 'manual',
      spec: { document, file },
    };
  }
  const worker = fleet.findWorker(payload.task.worker);
  if (!worker)
    throw new WorkerNotFoundError(`no worker ${payload.task.worker}`, { worker: payload.task.worker });
  return {
    ...base,
    kind: 'task',
    project: payload.project ?? worker.project ?? `worker:${worker.name}`,
    mode: 'manual',
    spec: { worker: payload.task.worker, command: payload.task.command },
  };
}
