// Where a worker's role is enforced by tmuxorch itself: the commands sent to a shell worker are
// checked before they are typed (layer 1), an agent's tool calls are checked when its PreToolUse
// hook asks (layer 3), and what a role asks about waits for a person (`tmuxorch approve W`) or,
// in a workflow's auto mode, is denied unless the workflow allows it. Every decision is logged
// and emitted (the workflow engine writes it to the run's audit.jsonl).
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { nanoid } from 'nanoid';
import { decide, type Decision, type PolicyRequest } from '../../domain/policy/decide.js';
import { STRICTNESS, ruleText } from '../../domain/policy/rule.js';
import { HARMLESS_TOOLS, toolRequests } from '../../domain/policy/tool-request.js';
import { withApprovalDone, type PendingApproval, type Worker } from '../../domain/worker.js';
import type { Task } from '../../domain/task.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import type { Logger } from '../../infrastructure/logs/logger.js';

export interface PolicyDecisionEvent {
  readonly workerId: string;
  readonly worker: string;
  readonly role: string;
  readonly runId: string | null;
  readonly stepId: string | null;
  // What was decided about: `bash`, `edit`, `tool Write`, `approval`.
  readonly what: string;
  readonly effect: 'allow' | 'deny' | 'ask';
  // `rules` (the role decided), `person` (approve/deny), `auto` (a workflow's auto mode).
  readonly by: 'rules' | 'person' | 'auto';
  readonly rule: string | null;
  readonly reason: string;
}

export interface PolicyGateEvents {
  decision: [PolicyDecisionEvent];
  // A pending approval was answered: its worker's queue may go on.
  answered: [Worker];
}

// What happens to a task about to be typed.
export type BeforeTyping = { readonly go: true } | { readonly go: false; readonly denied: string | null };

export interface ToolVerdict {
  // `defer`: not a tool the rules know; the hook says nothing and the CLI's own permissions decide.
  readonly decision: 'allow' | 'deny' | 'ask' | 'defer';
  readonly reason: string;
  // For `ask`: the approval a hook waits on (policyAnswer).
  readonly approvalId: string | null;
}

export function approvalId(): string {
  return `a-${nanoid(10).replace(/[^A-Za-z0-9]/g, '0')}`;
}

export class PolicyGate extends EventEmitter<PolicyGateEvents> {
  constructor(
    private readonly store: FleetStore,
    private readonly logger: Logger,
  ) {
    super();
  }

  // Layer 1: a shell worker's command, checked before it is typed. `go: false` with `denied`
  // null means it waits for a person's answer (the worker shows awaiting_approval).
  beforeTyping(worker: Worker, task: Task, command: string): BeforeTyping {
    const policy = worker.policy;
    if (!policy || worker.type !== 'shell') return { go: true };
    const pending = worker.pendingApproval;
    if (pending && pending.answer === null) return { go: false, denied: null };
    if (pending?.taskId === task.id) {
      this.store.putWorker(withApprovalDone(worker));
      this.store.flushSoon();
      return pending.answer === 'approved'
        ? { go: true }
        : { go: false, denied: `a person denied it: ${pending.question}` };
    }
    const decision = decide(policy.role, { action: 'bash', command }, policy);
    return this.settle(worker, 'bash', decision, task.id);
  }

  // Layer 3: an agent's tool call, from its PreToolUse hook. The strictest of the requests the
  // call makes decides; an `ask` becomes a pending approval the hook polls for.
  checkTool(
    worker: Worker,
    tool: string,
    input: Readonly<Record<string, unknown>>,
    cwd: string | null,
  ): ToolVerdict {
    const policy = worker.policy;
    if (!policy)
      return { decision: 'allow', reason: `worker ${worker.name} holds no role`, approvalId: null };
    const base = cwd ? resolve(cwd) : policy.workspace;
    const requests = toolRequests(tool, input).map((request): PolicyRequest =>
      request.action === 'edit' || request.action === 'read'
        ? { ...request, path: resolve(base, request.path) }
        : request,
    );
    if (requests.length === 0)
      return HARMLESS_TOOLS.has(tool)
        ? { decision: 'allow', reason: `tool ${tool} changes nothing a rule covers`, approvalId: null }
        : {
            decision: 'defer',
            reason: `tool ${tool} is not one tmuxorch's rules know: the CLI's own permissions decide`,
            approvalId: null,
          };
    const decision = requests
      .map((request) => decide(policy.role, request, policy))
      .reduce((worst, d) => (STRICTNESS[d.effect] > STRICTNESS[worst.effect] ? d : worst));
    // An ask is about the task whose turn made the call: it ends with that task (taskEnded).
    const running = this.store.runningTaskOf(worker.id);
    const settled = this.settle(worker, `tool ${tool}`, decision, running?.id ?? null);
    if (settled.go) return { decision: 'allow', reason: decision.reason, approvalId: null };
    if (settled.denied !== null) return { decision: 'deny', reason: settled.denied, approvalId: null };
    const asked = this.store.requireWorker(worker.id);
    return {
      decision: 'ask',
      reason: decision.reason,
      approvalId: (asked.queuedApprovals.at(-1) ?? asked.pendingApproval)?.id ?? null,
    };
  }

  // What a hook waiting on an approval hears: the answer once given (the approval then ends, and
  // the next queued ask is shown); null while it is shown or queued, unanswered.
  answerOf(worker: Worker, approvalId: string): 'approved' | 'denied' | null {
    const pending = worker.pendingApproval;
    if (worker.queuedApprovals.some((queued) => queued.id === approvalId)) return null;
    // Gone (answered and read, or its task ended): a hook that lost its approval must not go on.
    if (!pending || pending.id !== approvalId) return 'denied';
    if (pending.answer === null) return null;
    this.store.putWorker(withApprovalDone(worker));
    this.store.flushSoon();
    return pending.answer;
  }

  // A task ended (cancelled while its command was asked about, timed out or interrupted while
  // its agent's hook waited): what its worker waited on for it ends too, or the worker would
  // show awaiting_approval for nothing and hold its queue. True when there was such a wait.
  taskEnded(task: Task): boolean {
    const found = this.store.worker(task.workerId);
    if (!found) return false;
    // Asks queued for the task go with it (their hooks hear 'denied').
    const worker = { ...found, queuedApprovals: found.queuedApprovals.filter((q) => q.taskId !== task.id) };
    const pending = worker.pendingApproval;
    if (!pending || pending.taskId !== task.id) {
      if (worker.queuedApprovals.length !== found.queuedApprovals.length) this.store.putWorker(worker);
      return false;
    }
    this.store.putWorker(withApprovalDone(worker));
    this.store.flushSoon();
    this.logger.info('policy approval dropped: its task ended', {
      workerId: worker.id,
      taskId: task.id,
      status: task.status,
      question: pending.question,
    });
    return true;
  }

  // The queued task a person has answered about: it goes before any other (else a task of a
  // higher priority would overtake it, and an ask of its own would replace the answer).
  answeredTask(worker: Worker): string | null {
    const pending = worker.pendingApproval;
    if (!pending || pending.answer === null || pending.taskId === null) return null;
    return this.store.task(pending.taskId)?.status === 'queued' ? pending.taskId : null;
  }

  // Whether the worker waits for a person on something its role asks about.
  isWaiting(worker: Worker): boolean {
    return worker.pendingApproval?.answer === null;
  }

  // A person's answer to the worker's pending approval.
  answer(worker: Worker, approved: boolean): Worker {
    const pending = worker.pendingApproval as PendingApproval;
    const answered = this.store.putWorker({
      ...worker,
      pendingApproval: { ...pending, answer: approved ? 'approved' : 'denied' },
    });
    this.store.flushSoon();
    this.record(
      worker,
      'approval',
      approved ? 'allow' : 'deny',
      'person',
      null,
      `${approved ? 'approved' : 'denied'}: ${pending.question}`,
    );
    this.emit('answered', answered);
    return answered;
  }

  // An allow goes on, a deny ends it; an ask is denied or allowed at once where nobody answers
  // (auto mode), else it waits on a new pending approval.
  private settle(worker: Worker, what: string, decision: Decision, taskId: string | null): BeforeTyping {
    const rule = decision.rule ? ruleText(decision.rule) : null;
    if (decision.effect !== 'ask') {
      this.record(worker, what, decision.effect, 'rules', rule, decision.reason);
      return decision.effect === 'allow' ? { go: true } : { go: false, denied: decision.reason };
    }
    const asks = worker.policy?.asks ?? 'person';
    if (asks !== 'person') {
      const reason = `${decision.reason}; in auto mode nobody answers, and the workflow ${asks === 'allow' ? 'allows' : 'does not allow'} asks`;
      this.record(worker, what, asks === 'allow' ? 'allow' : 'deny', 'auto', rule, reason);
      return asks === 'allow' ? { go: true } : { go: false, denied: reason };
    }
    const pendingApproval: PendingApproval = {
      id: approvalId(),
      kind: 'policy',
      taskId,
      question: decision.reason,
      since: new Date().toISOString(),
      answer: null,
    };
    // One ask is shown at a time; one that comes while another is pending (a parallel tool call)
    // waits behind it, never in its place.
    const current = this.store.requireWorker(worker.id);
    this.store.putWorker(
      current.pendingApproval
        ? { ...current, queuedApprovals: [...current.queuedApprovals, pendingApproval] }
        : { ...current, pendingApproval },
    );
    this.store.flushSoon();
    this.record(worker, what, 'ask', 'rules', rule, decision.reason);
    return { go: false, denied: null };
  }

  // Logged and emitted (the events, a workflow's audit): the budget gate's holds go here too.
  record(
    worker: Worker,
    what: string,
    effect: PolicyDecisionEvent['effect'],
    by: PolicyDecisionEvent['by'],
    rule: string | null,
    reason: string,
  ): void {
    const event: PolicyDecisionEvent = {
      workerId: worker.id,
      worker: worker.name,
      role: worker.role,
      runId: worker.policy?.runId ?? null,
      stepId: worker.policy?.stepId ?? null,
      what,
      effect,
      by,
      rule,
      reason,
    };
    this.logger.info('policy decision', { ...event });
    this.emit('decision', event);
  }
}
