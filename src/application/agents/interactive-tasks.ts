// Agent tasks in interactive mode: the agent's TUI lives in the pane. A task is pasted (bracketed,
// so nothing submits early), Enter is pressed after the profile's delay, and the submission is
// verified: the agent turned busy, asked for approval, or its hook said it took the prompt;
// otherwise Enter is pressed again, a bounded number of times, before the task fails as
// `unsubmitted` (a prompt left in the input box is the commonest failure of such tools). The end
// of the turn is the agent's Stop hook where it has one, else its screen back at the prompt.
import { join } from 'node:path';
import type { AgentResult } from '../../domain/agents/agent-output.js';
import { deniedReason, requestedTool } from '../../domain/agents/agent-verdict.js';
import type { AgentProfile, InteractiveSpec } from '../../domain/agents/profile.js';
import type { ProfileRegistry } from '../../domain/agents/registry.js';
import { newErrorLines, stateLine } from '../../domain/agents/screen-classifier.js';
import { cleanLine } from '../../domain/terminal-text.js';
import type { Task, TaskStatus } from '../../domain/task.js';
import type { AgentCondition, Worker } from '../../domain/worker.js';
import type { TmuxPort } from '../ports/tmux.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import type { HookLog } from '../../infrastructure/agents/hook-log.js';
import { type HookEvent } from '../../infrastructure/agents/hook-log.js';
import { markConversationBegun, markSessionStarted } from './agent-conversation.js';
import { pastePrompt } from './prompt-paste.js';
import { ScreenWatch, type ScreenReading } from './screen-watch.js';
import type { TaskFilesPort } from '../ports/files.js';
import type { TuiProcesses } from './tui-process.js';
import type { WorkerChannel } from '../workers/worker-channel.js';

const SUBMIT_ATTEMPTS = 3;
const ACCEPT_WAIT_MS = 3_000;
const READY_WAIT_MS = 30_000;
// How long after its start a TUI's prompt must first hold still before a paste, and for how long.
const FRESH_TUI_MS = 30_000;
const QUIET_MS = 1_000;

// The screen must read idle this long after a turn before it counts as finished: briefly for an
// agent without hooks, longer for one whose Stop hook should have said so (a broken hook).
const SETTLE_MS = 700;
const SETTLE_WITH_HOOKS_MS = 5_000;

export interface InteractiveOutcome {
  readonly status: Extract<TaskStatus, 'succeeded' | 'failed' | 'unsubmitted'>;
  readonly exitCode: number | null;
  readonly output: string;
  readonly raw: string;
  readonly reason: string | null;
  readonly agent: AgentResult | null;
}

export interface InteractiveDeps {
  readonly store: FleetStore;
  readonly server: TmuxPort;
  readonly files: TaskFilesPort;
  readonly profiles: ProfileRegistry;
  readonly hooks: HookLog;
  readonly channel: (workerId: string) => WorkerChannel | undefined;
  readonly redact: (workerId: string, text: string) => string;
  // Starts the TUI again when it has exited, and tells when it exits.
  readonly tui: TuiProcesses;
}

// The auth hint after what the screen said of it ("✕ [API Error: …authentication_error…]").
function authReason(profile: AgentProfile, screen: string): string {
  const said = stateLine(profile, 'auth_required', screen);
  return said ? `${profile.binary ?? profile.type}: ${said} (${profile.authHint})` : profile.authHint;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class InteractiveTasks {
  // Workers whose running turn had an approval denied through `answer`.
  private readonly denials = new Set<string>();

  constructor(private readonly deps: InteractiveDeps) {}

  private specOf(worker: Worker): { profile: AgentProfile; spec: InteractiveSpec } {
    const profile = this.deps.profiles.require(worker.type);
    if (!profile.interactive) throw new Error(`${profile.displayName} has no interactive mode`);
    return { profile, spec: profile.interactive };
  }

  private setCondition(workerId: string, condition: AgentCondition | null, lastError?: string): void {
    const worker = this.deps.store.worker(workerId);
    if (!worker || worker.agentCondition === condition) return;
    this.deps.store.putWorker({ ...worker, agentCondition: condition, ...(lastError ? { lastError } : {}) });
  }

  // Runs one task to its end; the caller records the outcome (unless the task was ended meanwhile).
  // `prompt`: the text to paste (the stored `task.prompt` has its secrets cut out).
  async run(worker: Worker, task: Task, prompt: string | null = task.prompt): Promise<InteractiveOutcome> {
    const { profile, spec } = this.specOf(worker);
    const channel = this.deps.channel(worker.id);
    if (!worker.paneId || !channel || prompt === null) throw new Error('the worker has no pane');
    const pane = this.deps.server.pane(worker.paneId);
    const watch = new ScreenWatch(pane, channel, profile);
    this.denials.delete(worker.id);
    const stillRunning = (): boolean => this.deps.store.task(task.id)?.status === 'running';
    const fail = (status: InteractiveOutcome['status'], reason: string): InteractiveOutcome => ({
      status,
      exitCode: null,
      output: '',
      raw: '',
      reason,
      agent: null,
    });
    try {
      // The TUI exited (crashed, or a human quit it): start it again, resuming the conversation,
      // rather than paste a prompt into the shell; one that exits again fails the task at once.
      if (this.deps.tui.hasExited(worker.id) || (await pane.currentCommand()) === 'bash') {
        const exit = await this.deps.tui.start(worker, worker.paneId);
        if (exit) return fail('failed', exit);
      }
      // Busy (an earlier turn still ending), unrecognised or exited screens may change: wait.
      const exited = (): true | null => (this.deps.tui.hasExited(worker.id) ? true : null);
      let seen: ScreenReading | null = null;
      let ready = await watch.until((r) => {
        seen = r;
        if (exited()) return r;
        return r.state === 'busy' || r.state === 'unknown' || r.state === 'crashed' ? null : r;
      }, READY_WAIT_MS);
      ready ??= seen;
      const trusting = spec.trustPattern ? new RegExp(spec.trustPattern, 'm') : null;
      if (ready?.state === 'trust_prompt' && spec.trustKeys && trusting?.test(ready.screen) && !exited()) {
        await pane.sendKeys(...spec.trustKeys);
        ready = await watch.until(
          (r) => (exited() || r.state === 'idle' || r.state === 'auth_required' ? r : null),
          READY_WAIT_MS,
        );
      }
      const exit = await this.deps.tui.exitReason(worker.id);
      if (exit) return fail('failed', exit);
      if (ready?.state === 'auth_required') {
        const reason = authReason(profile, ready.screen);
        this.setCondition(worker.id, 'auth_required', reason);
        return fail('failed', reason);
      }
      if (ready?.state !== 'idle') {
        const why = ready ? `it shows ${ready.state.replace('_', ' ')}` : 'its screen was not recognised';
        return fail('failed', `${profile.displayName} is not at its prompt (${why})`);
      }
      // A TUI that has just started (a revive) may redraw once more, as gemini does when it
      // resumes a conversation, and a paste made then is lost: wait for a screen that holds still.
      if (this.deps.tui.startedWithin(worker.id, FRESH_TUI_MS))
        ready = (await watch.untilQuietPrompt(QUIET_MS, READY_WAIT_MS)) ?? ready;
      this.setCondition(worker.id, null);
      const dir = this.deps.files.ensureDir(task.id);
      const promptFile = join(dir, 'prompt.txt');
      const hookMark = this.deps.hooks.mark(worker.id);
      const logStart = channel.position;
      await pastePrompt(this.deps.server, worker.paneId, promptFile, prompt, `tmuxorch-${task.id}`);
      await sleep(spec.submitDelayMs);

      // Accepted = busy, asking, or a hook line; an error the TUI printed since the paste (codex's
      // `■ Missing environment variable: …`) ends the task with the CLI's own sentence.
      const before = ready.screen;
      const errorOf = (r: ScreenReading): string | null =>
        newErrorLines(profile, before, r.screen)[0] ?? null;
      const took = (r: ScreenReading): string | true | null => {
        if (exited()) return true;
        const error = errorOf(r);
        if (error) return error;
        return r.state === 'busy' ||
          r.state === 'awaiting_approval' ||
          this.deps.hooks.since(worker.id, hookMark).length > 0
          ? true
          : null;
      };
      let accepted: string | true | null = null;
      for (let attempt = 1; attempt <= SUBMIT_ATTEMPTS && accepted === null && stillRunning(); attempt++) {
        await pane.sendKeys('Enter');
        accepted = await watch.until(took, ACCEPT_WAIT_MS);
      }
      if (typeof accepted === 'string') return { ...fail('failed', accepted), exitCode: 1 };
      if (accepted === null) {
        // The next task must not be pasted after this one's text.
        if (spec.clearKeys) await pane.sendKeys(...spec.clearKeys);
        return fail(
          'unsubmitted',
          `${profile.displayName} did not take the task after ${SUBMIT_ATTEMPTS} Enter presses (it is still in its input box)`,
        );
      }

      // The CLI now holds a conversation (a hook that saw the prompt, even with no Stop after it, as
      // in a denied turn): a revived TUI must resume it (gemini and claude refuse to start a
      // second one under the same id: "already in use").
      markConversationBegun(this.deps.store, worker.id, this.deps.hooks.since(worker.id, hookMark));
      const hooked = this.deps.hooks.wired(spec.hooks);
      let stop: HookEvent | null = null;
      let asked: HookEvent | null = null;
      let error: string | null = null;
      let idleSince: number | null = null;
      let last = ready;
      const ended = await watch.until((r) => {
        last = r;
        if (!stillRunning()) return 'ended elsewhere';
        const events = this.deps.hooks.since(worker.id, hookMark);
        asked = events.findLast((e) => e.hook_event_name === 'PermissionRequest') ?? asked;
        stop = events.find((e) => e.hook_event_name === 'Stop') ?? null;
        if (stop) return 'stop hook';
        if (exited()) return 'crashed';
        error = errorOf(r);
        if (error) return 'error';
        this.setCondition(worker.id, r.state === 'awaiting_approval' ? 'awaiting_approval' : null);
        if (r.state === 'rate_limited' || r.state === 'auth_required' || r.state === 'crashed')
          return r.state;
        // Back at the prompt after a question, without a Stop hook: the question was denied (by
        // `tmuxorch deny`, or at the pane; Claude Code ends such a turn with no Stop).
        const denied = this.denials.has(worker.id) || asked !== null;
        const settle = this.denials.has(worker.id) || !hooked ? SETTLE_MS : SETTLE_WITH_HOOKS_MS;
        if (r.state !== 'idle') idleSince = null;
        else if (idleSince === null) idleSince = Date.now();
        else if (Date.now() - idleSince >= settle) return denied ? 'denied' : 'screen idle';
        return null;
      }, Number.MAX_SAFE_INTEGER);
      const raw = this.deps.redact(worker.id, await this.deps.files.readFrom(channel.logFile, logStart));
      const output = raw.split('\n').map(cleanLine).join('\n');
      const hook = stop as HookEvent | null;
      const text =
        typeof hook?.last_assistant_message === 'string'
          ? this.deps.redact(worker.id, hook.last_assistant_message)
          : null;
      const isError = typeof hook?.is_error === 'boolean' ? hook.is_error : null;
      const sessionId = typeof hook?.session_id === 'string' ? hook.session_id : worker.agentSessionId;
      if (hook && sessionId) markSessionStarted(this.deps.store, worker.id, sessionId);
      const agent: AgentResult = { text, sessionId, costUsd: null, isError, resetsAt: null };
      // `said`: the turn itself failed (an error line, a denial), not only what came after it.
      const failed = (reason: string, said = false): InteractiveOutcome => ({
        status: 'failed',
        exitCode: 1,
        output,
        raw,
        reason,
        agent: said ? { ...agent, isError: true } : agent,
      });
      if (ended === 'rate_limited' || ended === 'auth_required') {
        const reason =
          ended === 'auth_required'
            ? authReason(profile, last.screen)
            : `${profile.displayName} hit a usage limit`;
        this.setCondition(worker.id, ended, reason);
        return failed(reason);
      }
      if (ended === 'crashed')
        return failed((await this.deps.tui.exitReason(worker.id)) ?? `${profile.displayName} exited`);
      if (ended === 'error') return failed(error ?? `${profile.displayName} reported an error`, true);
      // Denied by us: the turn failed whatever the agent made of it afterwards.
      if (ended === 'denied' || (this.denials.has(worker.id) && ended === 'stop hook')) {
        const request = asked as HookEvent | null;
        return failed(deniedReason(request ? requestedTool(request) : null, isError ? text : null), true);
      }
      if (isError === true) return failed(text ?? 'the agent reported an error', true);
      return { status: 'succeeded', exitCode: 0, output, raw, reason: null, agent };
    } finally {
      watch.close();
      this.denials.delete(worker.id);
      // A question left on screen by a turn that was interrupted is no longer anyone's to answer.
      if (this.deps.store.worker(worker.id)?.agentCondition === 'awaiting_approval')
        this.setCondition(worker.id, null);
    }
  }

  // Records that the worker's conversation exists: under the id chosen for it, or the one its
  // hook named (opencode picks its own).

  // Interrupts the worker's turn (a timeout or a cancel): the TUI stays, at its prompt.
  async interrupt(worker: Worker): Promise<void> {
    if (!worker.paneId) return;
    const { spec } = this.specOf(worker);
    await this.deps.server.pane(worker.paneId).sendKeys(...spec.interruptKeys);
  }

  // Answers the approval question the agent is showing.
  async answer(worker: Worker, approve: boolean): Promise<void> {
    if (!worker.paneId) return;
    const { spec } = this.specOf(worker);
    // The running turn then fails as denied, however the agent goes on.
    if (!approve) this.denials.add(worker.id);
    await this.deps.server.pane(worker.paneId).sendKeys(...(approve ? spec.approveKeys : spec.denyKeys));
    this.setCondition(worker.id, null);
  }
}
