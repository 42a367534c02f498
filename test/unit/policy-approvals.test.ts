// Asks are answered one at a time, each by its own id: an agent's parallel tool calls that both
// ask do not replace each other. The second waits behind the first (its hook hears null, not
// 'denied'), is shown once the first is answered and read, and a task's end takes its asks along.
import { describe, expect, it } from 'vitest';
import { FleetStore, type StatePersistence } from '../../src/application/fleet/fleet-store.js';
import { PolicyGate } from '../../src/application/policy/policy-gate.js';
import { RoleRegistry } from '../../src/domain/policy/role-registry.js';
import { newTask, transitionTask } from '../../src/domain/task.js';
import { NO_AGENT_STATE, type Worker } from '../../src/domain/worker.js';
import { silentLogger } from '../../src/infrastructure/logs/logger.js';

const persistence: StatePersistence = {
  commit: () => Promise.resolve(),
  save: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

function setUp(): { gate: PolicyGate; store: FleetStore; worker: () => Worker } {
  const role = new RoleRegistry({}, []).require('coder');
  const worker: Worker = {
    ...NO_AGENT_STATE,
    id: 'w-1',
    name: 'agent',
    type: 'sim',
    project: '/p',
    env: {},
    secretEnv: [],
    state: 'busy',
    paneId: '%1',
    windowId: '@1',
    restarts: 0,
    restartHistory: [],
    lastError: null,
    createdAt: new Date(0).toISOString(),
    startedAt: new Date(0).toISOString(),
    role: 'coder',
    policy: { role, workspace: '/p', stepDir: null, asks: 'person', runId: null, stepId: null },
  };
  const task = transitionTask(
    newTask('t-1', { workerId: 'w-1', workerName: 'agent', command: 'go' }, 1, new Date(0)),
    'running',
    {},
  );
  const store = new FleetStore(persistence, 's', {
    version: 1,
    session: 's',
    nextSeq: 2,
    workers: [worker],
    tasks: [task],
  });
  return { gate: new PolicyGate(store, silentLogger), store, worker: () => store.requireWorker('w-1') };
}

// Commands a coder is asked about (no rule allows them).
const ask = (gate: PolicyGate, worker: Worker, command: string) =>
  gate.checkTool(worker, 'Bash', { command }, '/p');

describe('approvals, one at a time', () => {
  it('queues a second ask behind the first; each is answered by its own id', () => {
    const { gate, worker } = setUp();
    const first = ask(gate, worker(), 'curl https://example.com/a');
    const second = ask(gate, worker(), 'curl https://example.com/b');
    expect(first.decision).toBe('ask');
    expect(second.decision).toBe('ask');
    expect(first.approvalId).not.toBe(second.approvalId);
    expect(worker().pendingApproval?.id).toBe(first.approvalId);
    expect(worker().queuedApprovals.map((a) => a.id)).toEqual([second.approvalId]);
    // Both hooks still wait.
    expect(gate.answerOf(worker(), String(first.approvalId))).toBeNull();
    expect(gate.answerOf(worker(), String(second.approvalId))).toBeNull();

    gate.answer(worker(), true);
    expect(gate.answerOf(worker(), String(second.approvalId))).toBeNull();
    expect(gate.answerOf(worker(), String(first.approvalId))).toBe('approved');
    // The first read, the second is shown and answered in its turn.
    expect(worker().pendingApproval).toMatchObject({ id: second.approvalId, answer: null });
    expect(gate.isWaiting(worker())).toBe(true);
    gate.answer(worker(), false);
    expect(gate.answerOf(worker(), String(second.approvalId))).toBe('denied');
    expect(worker().pendingApproval).toBeNull();
    expect(worker().queuedApprovals).toEqual([]);
    // A read answer is gone: asking again with its id is a deny.
    expect(gate.answerOf(worker(), String(first.approvalId))).toBe('denied');
  });

  it("a task's end takes its asks along, shown and queued", () => {
    const { gate, store, worker } = setUp();
    const first = ask(gate, worker(), 'curl https://example.com/a');
    const second = ask(gate, worker(), 'curl https://example.com/b');
    expect(gate.taskEnded(store.requireTask('t-1'))).toBe(true);
    expect(worker().pendingApproval).toBeNull();
    expect(worker().queuedApprovals).toEqual([]);
    expect(gate.answerOf(worker(), String(first.approvalId))).toBe('denied');
    expect(gate.answerOf(worker(), String(second.approvalId))).toBe('denied');
  });
});
