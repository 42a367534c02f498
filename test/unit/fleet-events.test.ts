// FleetEvents: store changes, saved workflow runs and policy decisions become numbered events,
// with ids and statuses only (never a command, prompt or reason).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FleetStore, type StatePersistence } from '../../src/application/fleet/fleet-store.js';
import { FleetEvents, type EventHistory } from '../../src/application/events/fleet-events.js';
import type { PolicyDecisionEvent, PolicyGateEvents } from '../../src/application/policy/policy-gate.js';
import type { WorkflowEngineEvents } from '../../src/application/workflows/workflow-engine.js';
import type { FleetEvent, FleetEventBody } from '../../src/domain/events/fleet-event.js';
import { newTask, transitionTask } from '../../src/domain/task.js';
import { transitionWorker } from '../../src/domain/worker.js';
import {
  newRunRecord,
  newStepRecord,
  type GateRecord,
  type RunRecord,
} from '../../src/domain/workflow/workflow-run.js';
import { workerRecord } from '../helpers/worker-record.js';

const persistence: StatePersistence = {
  commit: () => Promise.resolve(),
  save: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

function memoryHistory(lastId = 0): EventHistory & { readonly kept: FleetEvent[] } {
  const kept: FleetEvent[] = [];
  return {
    kept,
    lastId,
    append: (event) => void kept.push(event),
    readAfter: (after, limit) =>
      Promise.resolve({ events: kept.filter((e) => e.id > after).slice(0, limit), more: false, gap: false }),
  };
}

function setup(initialWorkers = [workerRecord({ state: 'starting' })], lastId = 0) {
  const store = new FleetStore(persistence, 's', {
    version: 1,
    session: 's',
    nextSeq: 1,
    workers: initialWorkers,
    tasks: [],
  });
  const history = memoryHistory(lastId);
  const events = new FleetEvents(history, { now: () => Date.parse('2026-01-01T00:00:00Z') });
  const seen: FleetEvent[] = [];
  events.subscribe((e) => seen.push(e));
  events.observeStore(store);
  return { store, history, events, seen };
}

// The events without their id and time.
const bodies = (events: readonly FleetEvent[]): FleetEventBody[] =>
  events.map(({ id: _id, at: _at, ...body }) => body as FleetEventBody);

describe('FleetEvents from the store', () => {
  it('numbers events after the history’s last id, logs them and hands them out in order', () => {
    const { store, history, seen } = setup(undefined, 41);
    store.putWorker(transitionWorker(store.requireWorker('w-1'), 'idle'));
    store.putWorker(transitionWorker(store.requireWorker('w-1'), 'busy'));
    expect(seen.map((e) => e.id)).toEqual([42, 43]);
    expect(history.kept).toEqual(seen);
    expect(seen[0]?.at).toBe('2026-01-01T00:00:00.000Z');
    expect(bodies(seen)).toEqual([
      {
        type: 'worker.state',
        workerId: 'w-1',
        worker: 'one',
        workerType: 'shell',
        from: 'starting',
        to: 'idle',
        restarts: 0,
      },
      {
        type: 'worker.state',
        workerId: 'w-1',
        worker: 'one',
        workerType: 'shell',
        from: 'idle',
        to: 'busy',
        restarts: 0,
      },
    ]);
  });

  it('task queued → started → finished, with status, exit code, duration and cost; no command', () => {
    const { store, seen } = setup([workerRecord()]);
    const queued = store.putTask(
      newTask('t-1', { workerId: 'w-1', workerName: 'one', command: 'echo SECRET=hunter2' }, 1, new Date(0)),
    );
    const running = store.putTask(
      transitionTask(queued, 'running', { attempts: 1, startedAt: '2026-01-01T00:00:00.000Z' }),
    );
    store.putTask({ ...running, logOffset: 10 }); // no status change: no event
    store.putTask(
      transitionTask(running, 'failed', {
        exitCode: 3,
        finishedAt: '2026-01-01T00:00:02.500Z',
        reason: 'echo SECRET=hunter2 failed',
        agent: { text: 'x', sessionId: null, costUsd: 0.25, isError: false, resetsAt: null },
      }),
    );
    expect(bodies(seen)).toEqual([
      { type: 'task.queued', taskId: 't-1', workerId: 'w-1', worker: 'one', priority: 'normal', attempt: 0 },
      { type: 'task.started', taskId: 't-1', workerId: 'w-1', worker: 'one', attempt: 1 },
      {
        type: 'task.finished',
        taskId: 't-1',
        workerId: 'w-1',
        worker: 'one',
        status: 'failed',
        exitCode: 3,
        durationMs: 2500,
        costUsd: 0.25,
      },
    ]);
    expect(JSON.stringify(seen)).not.toContain('hunter2');
  });

  it('a re-queued task is task.queued again with its attempts', () => {
    const { store, seen } = setup([workerRecord()]);
    const queued = store.putTask(
      newTask('t-1', { workerId: 'w-1', workerName: 'one', command: 'x' }, 1, new Date(0)),
    );
    const running = store.putTask(transitionTask(queued, 'running', { attempts: 1 }));
    store.putTask(transitionTask(running, 'queued'));
    expect(seen.map((e) => e.type)).toEqual(['task.queued', 'task.started', 'task.queued']);
    expect(seen[2]).toMatchObject({ attempt: 1 });
  });

  it('worker.dead and worker.revived around the revive; worker.removed when deleted', () => {
    const { store, seen } = setup([workerRecord({ state: 'busy' })]);
    const w = (): ReturnType<typeof store.requireWorker> => store.requireWorker('w-1');
    store.putWorker(transitionWorker(w(), 'dead', { paneId: null }));
    store.putWorker(transitionWorker(w(), 'reviving', { restarts: 1 }));
    store.putWorker(transitionWorker(w(), 'starting'));
    store.putWorker(transitionWorker(w(), 'idle'));
    store.putWorker(transitionWorker(w(), 'busy'));
    store.putWorker(transitionWorker(w(), 'idle')); // not a revival
    store.putWorker(transitionWorker(w(), 'stopped'));
    store.deleteWorker('w-1');
    expect(seen.map((e) => (e.type === 'worker.state' ? `${e.from}>${e.to}` : e.type))).toEqual([
      'busy>dead',
      'worker.dead',
      'dead>reviving',
      'reviving>starting',
      'starting>idle',
      'worker.revived',
      'idle>busy',
      'busy>idle',
      'idle>stopped',
      'worker.removed',
    ]);
    expect(seen.find((e) => e.type === 'worker.revived')).toMatchObject({ restarts: 1 });
  });

  it('a worker loaded dead is revived when it reaches idle; a new worker is from null', () => {
    const { store, seen } = setup([workerRecord({ state: 'dead' })]);
    store.putWorker(transitionWorker(store.requireWorker('w-1'), 'reviving'));
    store.putWorker(transitionWorker(store.requireWorker('w-1'), 'starting'));
    store.putWorker(transitionWorker(store.requireWorker('w-1'), 'idle'));
    store.putWorker(workerRecord({ id: 'w-2', name: 'two', state: 'starting' }));
    expect(seen.map((e) => e.type)).toEqual([
      'worker.state',
      'worker.state',
      'worker.state',
      'worker.revived',
      'worker.state',
    ]);
    expect(seen[4]).toMatchObject({ workerId: 'w-2', from: null, to: 'starting' });
  });

  it('a listener that throws does not break the store or the others', () => {
    const { store, events, seen } = setup();
    events.subscribe(() => {
      throw new Error('boom');
    });
    expect(() => store.putWorker(transitionWorker(store.requireWorker('w-1'), 'idle'))).not.toThrow();
    expect(seen).toHaveLength(1);
  });

  it('stops after close()', () => {
    const { store, events, seen } = setup();
    events.close();
    store.putWorker(transitionWorker(store.requireWorker('w-1'), 'idle'));
    expect(seen).toEqual([]);
  });
});

function gate(state: GateRecord['state'], changes: Partial<GateRecord> = {}): GateRecord {
  return {
    state,
    kind: 'gate',
    message: 'look at the plan',
    hashes: {},
    openedAt: '2026-01-01T00:00:00.000Z',
    decidedAt: null,
    note: null,
    by: null,
    timeoutAt: null,
    ...changes,
  };
}

describe('FleetEvents from workflow runs', () => {
  const start = newRunRecord({
    id: 'r1',
    name: 'fix',
    mode: 'manual',
    project: '/p',
    base: { sha: null, branch: null },
    inputs: {},
    specHash: 'h',
    startedAt: '2026-01-01T00:00:00.000Z',
    keepWorkers: false,
    steps: [newStepRecord('plan', 'plan'), newStepRecord('build', 'build')],
  });
  const withSteps = (
    run: RunRecord,
    change: (id: string) => Partial<RunRecord['steps'][number]>,
  ): RunRecord => ({
    ...run,
    steps: run.steps.map((s) => ({ ...s, ...change(s.id) })),
  });

  it('diffs steps by status against the last record of the run; gates waiting and decided', () => {
    const engine = new EventEmitter<WorkflowEngineEvents>();
    const { events, seen } = setup();
    events.observeRuns(engine);
    engine.emit('changed', start);
    const planning = withSteps(start, (id) =>
      id === 'plan' ? { status: 'running', attempts: 1, taskId: 't-9', worker: 'one' } : {},
    );
    engine.emit('changed', planning);
    engine.emit('changed', { ...planning, costUsd: 1 }); // nothing of ours changed
    const waiting = {
      ...withSteps(planning, (id) =>
        id === 'plan' ? { status: 'awaiting_approval', gate: gate('waiting') } : {},
      ),
      status: 'awaiting_approval' as const,
    };
    engine.emit('changed', waiting);
    const approved = {
      ...withSteps(waiting, (id) =>
        id === 'plan' ? { status: 'succeeded', gate: gate('approved', { by: 'person' }) } : {},
      ),
      status: 'running' as const,
    };
    engine.emit('changed', approved);
    engine.emit('changed', { ...approved, status: 'failed' });
    expect(bodies(seen)).toEqual([
      { type: 'run.state', runId: 'r1', name: 'fix', from: null, to: 'running' },
      {
        type: 'step.state',
        runId: 'r1',
        stepId: 'plan',
        step: 'plan',
        from: 'pending',
        to: 'running',
        attempts: 1,
        taskId: 't-9',
        worker: 'one',
      },
      {
        type: 'step.state',
        runId: 'r1',
        stepId: 'plan',
        step: 'plan',
        from: 'running',
        to: 'awaiting_approval',
        attempts: 1,
        taskId: 't-9',
        worker: 'one',
      },
      { type: 'gate.waiting', runId: 'r1', stepId: 'plan', kind: 'gate', timeoutAt: null },
      { type: 'run.state', runId: 'r1', name: 'fix', from: 'running', to: 'awaiting_approval' },
      {
        type: 'step.state',
        runId: 'r1',
        stepId: 'plan',
        step: 'plan',
        from: 'awaiting_approval',
        to: 'succeeded',
        attempts: 1,
        taskId: 't-9',
        worker: 'one',
      },
      { type: 'gate.decided', runId: 'r1', stepId: 'plan', kind: 'gate', decision: 'approved', by: 'person' },
      { type: 'run.state', runId: 'r1', name: 'fix', from: 'awaiting_approval', to: 'running' },
      { type: 'run.state', runId: 'r1', name: 'fix', from: 'running', to: 'failed' },
    ]);
    expect(JSON.stringify(seen)).not.toContain('look at the plan');
  });

  it('the run’s own gate; a run first seen mid-way announces its non-pending steps', () => {
    const engine = new EventEmitter<WorkflowEngineEvents>();
    const { events, seen } = setup();
    events.observeRuns(engine);
    const midway = withSteps(start, (id) => (id === 'plan' ? { status: 'succeeded' } : {}));
    engine.emit('changed', midway);
    engine.emit('changed', { ...midway, gate: gate('waiting', { kind: 'limit' }) });
    engine.emit('changed', { ...midway, gate: gate('denied', { kind: 'limit', by: 'timeout' }) });
    expect(seen.map((e) => e.type)).toEqual(['run.state', 'step.state', 'gate.waiting', 'gate.decided']);
    expect(seen[1]).toMatchObject({ stepId: 'plan', from: null, to: 'succeeded' });
    expect(seen[2]).toMatchObject({ stepId: null, kind: 'limit' });
    expect(seen[3]).toMatchObject({ stepId: null, decision: 'denied', by: 'timeout' });
  });
});

describe('FleetEvents from the policy gate', () => {
  it('names the effect and who decided, not the command or the reason', () => {
    const gateEmitter = new EventEmitter<PolicyGateEvents>();
    const { events, seen } = setup();
    events.observePolicy(gateEmitter);
    const decision: PolicyDecisionEvent = {
      workerId: 'w-1',
      worker: 'one',
      role: 'reviewer',
      runId: 'r1',
      stepId: 'plan',
      what: 'bash',
      effect: 'deny',
      by: 'rules',
      rule: 'bash: curl * TOKEN=abc',
      reason: 'curl https://x?TOKEN=abc is denied',
    };
    gateEmitter.emit('decision', decision);
    expect(bodies(seen)).toEqual([
      {
        type: 'policy.decision',
        workerId: 'w-1',
        worker: 'one',
        role: 'reviewer',
        runId: 'r1',
        stepId: 'plan',
        what: 'bash',
        effect: 'deny',
        by: 'rules',
      },
    ]);
    expect(JSON.stringify(seen)).not.toContain('TOKEN');
  });
});
