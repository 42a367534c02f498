// The fleet's events (domain/events/fleet-event.ts), derived from what changes: the store's
// worker and task changes (old and new, O(1) each), the workflow engine's saved runs (diffed step
// by step against the last record seen of each run), and the policy gate's decisions. Each event
// is numbered after the log's last id, appended to the log and handed to the listeners, in that
// order, synchronously with the change that caused it.
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../ports/clock.js';
import {
  numberEvent,
  type FleetEvent,
  type FleetEventBody,
  type GateDecidedEvent,
  type GateWaitingEvent,
} from '../../domain/events/fleet-event.js';
import { isTerminal, type Task } from '../../domain/task.js';
import type { Worker, WorkerState } from '../../domain/worker.js';
import { isRunDone, type GateRecord, type RunRecord } from '../../domain/workflow/workflow-run.js';
import type { EventEmitter } from 'node:events';
import type { PolicyDecisionEvent, PolicyGateEvents } from '../policy/policy-gate.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import type { WorkflowEngineEvents } from '../workflows/workflow-engine.js';
import type { ReadAfterResult } from '../../infrastructure/events/event-log.js';

// Where events are kept: numbered after `lastId`, read back for a reader resuming after an id.
export interface EventHistory {
  readonly lastId: number;
  append(event: FleetEvent): void;
  readAfter(afterId: number, limit: number): Promise<ReadAfterResult>;
}

// What FleetEvents listens to: the store, the workflow engine, the policy gate (or fakes of them).
export type StoreChanges = Pick<FleetStore, 'workers' | 'on' | 'off'>;
export type RunChanges = Pick<EventEmitter<WorkflowEngineEvents>, 'on' | 'off'>;
export type PolicyDecisions = Pick<EventEmitter<PolicyGateEvents>, 'on' | 'off'>;

export type FleetEventListener = (event: FleetEvent) => void;

// States a worker is down in: reaching idle from them again is a revival.
const DOWN: ReadonlySet<WorkerState> = new Set(['dead', 'reviving', 'failed']);

export class FleetEvents {
  private readonly listeners = new Set<FleetEventListener>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly runs = new Map<string, RunRecord>();
  private readonly down = new Set<string>();
  private lastIdValue: number;
  private closed = false;

  constructor(
    private readonly history: EventHistory,
    private readonly clock: Clock = systemClock,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.lastIdValue = history.lastId;
  }

  get lastId(): number {
    return this.lastIdValue;
  }

  // Calls `listener` with every event from now on; returns the way to stop.
  subscribe(listener: FleetEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  readAfter(afterId: number, limit: number): Promise<ReadAfterResult> {
    return this.history.readAfter(afterId, limit);
  }

  // Numbers, logs and hands out one event.
  publish(body: FleetEventBody): FleetEvent | null {
    if (this.closed) return null;
    const event = numberEvent(++this.lastIdValue, new Date(this.clock.now()).toISOString(), body);
    try {
      this.history.append(event);
    } catch (error) {
      this.onError(error);
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
    return event;
  }

  observeStore(store: StoreChanges): void {
    for (const worker of store.workers()) if (DOWN.has(worker.state)) this.down.add(worker.id);
    const onWorker = (previous: Worker | undefined, next: Worker | undefined): void =>
      this.guard(() => this.workerChanged(previous, next));
    const onTask = (previous: Task | undefined, next: Task): void =>
      this.guard(() => this.taskChanged(previous, next));
    store.on('worker', onWorker);
    store.on('task', onTask);
    this.unsubscribe.push(() => {
      store.off('worker', onWorker);
      store.off('task', onTask);
    });
  }

  observeRuns(engine: RunChanges): void {
    const onRun = (run: RunRecord): void => this.guard(() => this.runChanged(run));
    engine.on('changed', onRun);
    this.unsubscribe.push(() => engine.off('changed', onRun));
  }

  observePolicy(gate: PolicyDecisions): void {
    const onDecision = (event: PolicyDecisionEvent): void =>
      this.guard(() => {
        this.publish({
          type: 'policy.decision',
          workerId: event.workerId,
          worker: event.worker,
          role: event.role,
          runId: event.runId,
          stepId: event.stepId,
          what: event.what,
          effect: event.effect,
          by: event.by,
        });
      });
    gate.on('decision', onDecision);
    this.unsubscribe.push(() => gate.off('decision', onDecision));
  }

  // Stops listening to what changes and drops the listeners.
  close(): void {
    this.closed = true;
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.listeners.clear();
  }

  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.onError(error);
    }
  }

  private workerChanged(previous: Worker | undefined, next: Worker | undefined): void {
    if (!next) {
      if (!previous) return;
      this.down.delete(previous.id);
      this.publish({
        type: 'worker.removed',
        workerId: previous.id,
        worker: previous.name,
        workerType: previous.type,
      });
      return;
    }
    if (previous && previous.state === next.state) return;
    const who = { workerId: next.id, worker: next.name, workerType: next.type };
    const from = previous?.state ?? null;
    this.publish({ type: 'worker.state', ...who, from, to: next.state, restarts: next.restarts });
    if (next.state === 'dead') this.publish({ type: 'worker.dead', ...who, from, restarts: next.restarts });
    if (DOWN.has(next.state)) this.down.add(next.id);
    else if (next.state === 'idle' && this.down.delete(next.id))
      this.publish({ type: 'worker.revived', ...who, restarts: next.restarts });
    else if (next.state === 'stopped') this.down.delete(next.id);
  }

  private taskChanged(previous: Task | undefined, next: Task): void {
    if (previous && previous.status === next.status) return;
    const who = { taskId: next.id, workerId: next.workerId, worker: next.workerName };
    if (next.status === 'queued') {
      this.publish({ type: 'task.queued', ...who, priority: next.priority, attempt: next.attempts });
    } else if (next.status === 'running') {
      this.publish({ type: 'task.started', ...who, attempt: next.attempts });
    } else if (isTerminal(next.status)) {
      const duration =
        next.startedAt && next.finishedAt ? Date.parse(next.finishedAt) - Date.parse(next.startedAt) : null;
      this.publish({
        type: 'task.finished',
        ...who,
        status: next.status,
        exitCode: next.exitCode,
        durationMs: duration !== null && Number.isFinite(duration) ? Math.max(0, duration) : null,
        costUsd: next.agent?.costUsd ?? null,
      });
    }
  }

  private runChanged(run: RunRecord): void {
    const previous = this.runs.get(run.id);
    const runState = (): void => {
      if (previous?.status === run.status) return;
      this.publish({
        type: 'run.state',
        runId: run.id,
        name: run.name,
        from: previous?.status ?? null,
        to: run.status,
      });
    };
    // A run first seen is announced before its steps; a change of status after them.
    if (!previous) runState();
    const before = new Map((previous?.steps ?? []).map((s) => [s.id, s]));
    for (const step of run.steps) {
      const old = before.get(step.id);
      if (old ? old.status !== step.status : step.status !== 'pending') {
        this.publish({
          type: 'step.state',
          runId: run.id,
          stepId: step.id,
          step: step.stepId,
          from: old?.status ?? null,
          to: step.status,
          attempts: step.attempts,
          taskId: step.taskId,
          worker: step.worker,
        });
      }
      this.gateChanged(run.id, step.id, old?.gate ?? null, step.gate);
    }
    this.gateChanged(run.id, null, previous?.gate ?? null, run.gate);
    if (previous) runState();
    if (isRunDone(run.status)) this.runs.delete(run.id);
    else this.runs.set(run.id, run);
  }

  private gateChanged(
    runId: string,
    stepId: string | null,
    before: GateRecord | null,
    after: GateRecord | null,
  ): void {
    const waitedBefore = before?.state === 'waiting';
    if (after?.state === 'waiting' && (!waitedBefore || before.openedAt !== after.openedAt)) {
      const waiting: GateWaitingEvent = {
        type: 'gate.waiting',
        runId,
        stepId,
        kind: after.kind,
        timeoutAt: after.timeoutAt,
      };
      this.publish(waiting);
    } else if (waitedBefore && after && after.state !== 'waiting') {
      const decided: GateDecidedEvent = {
        type: 'gate.decided',
        runId,
        stepId,
        kind: after.kind,
        decision: after.state,
        by: after.by,
      };
      this.publish(decided);
    }
  }
}
