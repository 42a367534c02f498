// The queue job: its state machine, the webhook payload schema and its published JSON Schema, and
// the webhook signature (HMAC-SHA256, compared in constant time).
import { describe, expect, it } from 'vitest';
import {
  canTransitionJob,
  checkJobPayload,
  jobPayloadJsonSchema,
  jobRecordSchema,
  jobTag,
  transitionJob,
  JOB_STATUSES,
  type Job,
  type JobStatus,
} from '../../src/domain/queue/job.js';
import { signBody, verifySignature } from '../../src/controller/http/webhook-signature.js';

const NOW = '2026-01-01T00:00:00.000Z';

function job(status: JobStatus): Job {
  return {
    id: 'jabcdefgh23',
    key: 'jabcdefgh23',
    seq: 0,
    kind: 'task',
    spec: { worker: 'w1', command: 'true' },
    project: '/srv/api',
    inputs: {},
    mode: 'manual',
    requireApproval: false,
    status,
    createdAt: NOW,
    updatedAt: NOW,
    startedAt: null,
    finishedAt: null,
    attempts: 0,
    target: null,
    reason: null,
    source: { via: 'cli' },
  };
}

describe('the job state machine', () => {
  const allowed: Record<JobStatus, JobStatus[]> = {
    pending: ['running', 'failed'],
    awaiting_approval: ['pending', 'failed'],
    running: ['done', 'failed', 'pending'],
    done: [],
    failed: ['pending'],
  };

  it('allows exactly the moves of the diagram', () => {
    for (const from of JOB_STATUSES)
      for (const to of JOB_STATUSES)
        expect(canTransitionJob(from, to), `${from} → ${to}`).toBe(allowed[from].includes(to));
  });

  it('refuses any other move with INVALID_TRANSITION, and keeps the record valid', () => {
    expect(() => transitionJob(job('done'), 'pending', {}, NOW)).toThrow(
      expect.objectContaining({ code: 'INVALID_TRANSITION' }),
    );
    expect(() => transitionJob(job('awaiting_approval'), 'running', {}, NOW)).toThrow(
      expect.objectContaining({ code: 'INVALID_TRANSITION' }),
    );
    const running = transitionJob(job('pending'), 'running', { attempts: 1, startedAt: NOW }, NOW);
    expect(running.status).toBe('running');
    expect(jobTag(running)).toBe('jabcdefgh23:1');
    expect(jobRecordSchema.safeParse(running).success).toBe(true);
  });
});

describe('the job payload', () => {
  it('takes a workflow job and a task job', () => {
    const workflow = checkJobPayload({
      kind: 'workflow',
      workflow: { schema_version: 1, name: 'x', steps: {} },
      project: '/srv/api',
      inputs: { ref: 'main' },
      requireApproval: true,
      key: 'push-1',
    });
    expect('payload' in workflow).toBe(true);
    const file = checkJobPayload({ kind: 'workflow', workflow: '/srv/flows/fix.yaml', project: '/srv/api' });
    expect('payload' in file).toBe(true);
    const task = checkJobPayload({ kind: 'task', task: { worker: 'w1', command: 'true' } });
    expect('payload' in task).toBe(true);
  });

  it('names the field at fault as a JSON Pointer', () => {
    const pathsOf = (raw: unknown): string[] => {
      const checked = checkJobPayload(raw);
      return 'issues' in checked ? checked.issues.map((i) => i.path) : [];
    };
    expect(pathsOf({ kind: 'task', task: { worker: 'w1', command: '' } })).toEqual(['/task/command']);
    expect(pathsOf({ kind: 'workflow', workflow: {}, project: 'relative' })).toEqual(['/project']);
    expect(pathsOf({ kind: 'workflow', workflow: {}, project: '/a', extra: 1 })).toEqual(['']);
    expect(pathsOf({ kind: 'nope' })).toEqual(['/kind']);
    expect(pathsOf({ kind: 'task', task: { worker: 'w', command: 'x' }, key: 'has space' })).toEqual([
      '/key',
    ]);
    expect(pathsOf('a string')).toHaveLength(1);
  });

  it('is published as a JSON Schema naming both kinds', () => {
    const schema = jobPayloadJsonSchema();
    expect(schema.$schema).toMatch(/json-schema\.org/);
    const text = JSON.stringify(schema);
    expect(text).toContain('"workflow"');
    expect(text).toContain('"task"');
    expect(text).toContain('requireApproval');
  });
});

describe('the webhook signature', () => {
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');

  it("accepts GitHub's own example and a signature of the body", () => {
    // docs.github.com, "Validating webhook deliveries".
    expect(
      verifySignature(
        secret,
        body,
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ),
    ).toBe(true);
    expect(verifySignature('s3', Buffer.from('{"a":1}'), signBody('s3', '{"a":1}'))).toBe(true);
  });

  it('refuses a wrong, truncated, longer, differently spelt or missing signature', () => {
    const right = signBody(secret, body);
    expect(verifySignature('other secret', body, right)).toBe(false);
    expect(verifySignature(secret, Buffer.from('Hello, World?'), right)).toBe(false);
    expect(verifySignature(secret, body, right.slice(0, -2))).toBe(false);
    expect(verifySignature(secret, body, `${right}00`)).toBe(false);
    expect(verifySignature(secret, body, right.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifySignature(secret, body, right.slice('sha256='.length))).toBe(false);
    expect(verifySignature(secret, body, 'sha256=')).toBe(false);
    expect(verifySignature(secret, body, undefined)).toBe(false);
  });
});
