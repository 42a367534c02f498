// The job queue's operations of the table (operations.ts spreads them in): jobs live in the
// daemon's durable queue (application/queue/job-queue.ts); a webhook submits through the same
// queue (controller/http/webhook-route.ts).
import { toJobSummary } from '../../domain/queue/job.js';
import { op } from './operation.js';

const JOB = ['JOB_NOT_FOUND', 'USAGE'] as const;

export const queueOperations = {
  queueSubmit: op('queueSubmit', {
    summary:
      'put a job (a workflow run or a task, with its inputs and project) in the durable queue; a repeat of its key returns the first job',
    mutates: true,
    errors: ['USAGE', 'WORKFLOW_INVALID', 'PROJECT_NOT_FOUND', 'WORKER_NOT_FOUND'],
    cli: 'queue submit',
    api: 'submitJob',
    run: async ({ fleet }, p) => {
      const { job, created } = await fleet
        .requireQueue()
        .submit(p.job, { source: { via: p.via ?? 'api' }, key: p.key ?? null });
      return { job, created };
    },
  }),
  queueList: op('queueList', {
    summary: 'the jobs of the queue, oldest first (a status: only those)',
    mutates: false,
    errors: [],
    cli: 'queue list',
    api: 'jobs',
    run: ({ fleet }, p) => ({
      jobs: fleet
        .requireQueue()
        .list()
        .filter((job) => p?.status === undefined || job.status === p.status)
        .map(toJobSummary),
    }),
  }),
  queueShow: op('queueShow', {
    summary: 'a job: its status, what it runs, what it started, why it failed',
    mutates: false,
    errors: JOB,
    cli: 'queue show',
    api: 'job',
    run: ({ fleet }, p) => fleet.requireQueue().show(p.id),
  }),
  queueApprove: op('queueApprove', {
    summary: 'let a job awaiting approval start (when there is capacity)',
    mutates: true,
    errors: JOB,
    cli: 'queue approve',
    api: 'approveJob',
    run: ({ fleet }, p) => fleet.requireQueue().approve(p.id),
  }),
  queueDeny: op('queueDeny', {
    summary: 'refuse a job awaiting approval: it fails, never started',
    mutates: true,
    errors: JOB,
    cli: 'queue deny',
    api: 'denyJob',
    run: ({ fleet }, p) => fleet.requireQueue().deny(p.id, p.reason ?? null),
  }),
  queueCancel: op('queueCancel', {
    summary: 'cancel a job: a pending one never starts, a running one has its run or task cancelled',
    mutates: true,
    errors: JOB,
    cli: 'queue cancel',
    api: 'cancelJob',
    run: ({ fleet }, p) => fleet.requireQueue().cancel(p.id),
  }),
  queueRetry: op('queueRetry', {
    summary: 'queue a failed job again (it starts a new run or task)',
    mutates: true,
    errors: JOB,
    cli: 'queue retry',
    api: 'retryJob',
    run: ({ fleet }, p) => fleet.requireQueue().retry(p.id),
  }),
};
