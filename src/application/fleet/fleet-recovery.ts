// Start-up adoption and tmux-server loss.
//
// Start-up: the state file says which workers exist and which task each was running (with the
// log offset its output starts at). Channels re-read each worker's log from there, so a task that
// finished while the controller was down is collected with its real exit code; then one health
// sweep remaps live panes by their @tmuxorch_worker option and revives the rest.
//
// Server loss: the control client ends the moment the tmux server dies. Every pane died with it;
// their tasks are collected from the logs if they finished, else re-queued (retries left) or lost.
// The session, window 0 and every worker are re-created in their project directories.
import PQueue from 'p-queue';
import { decideRestart, type RestartPolicy } from '../../domain/restart-policy.js';
import { transitionTask, type Task } from '../../domain/task.js';
import { isSupervised, transitionWorker, type Worker } from '../../domain/worker.js';
import { sameServer, type ServerIdentity } from '../../infrastructure/tmux/format.js';
import type { FleetRuntime } from './fleet-runtime.js';
import { readLogEvidence, scanStart } from './log-evidence.js';

const SESSION_POLICY: RestartPolicy = {
  maxRestarts: 10,
  windowMs: 120_000,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
};

export class FleetRecovery {
  private identity: ServerIdentity | null = null;
  private recovering: Promise<void> | null = null;
  private sessionRestarts: number[] = [];
  private stopped = false;

  constructor(private readonly rt: FleetRuntime) {}

  // Adopts (or creates) the session and everything the state file knows.
  async start(): Promise<void> {
    const { rt } = this;
    const { created } = await rt.keeper.ensureSession();
    const after = await rt.server.identity();
    this.identity = after.known ? after.value : null;
    await rt.connection.attach(rt.settings.session);
    rt.connection.on('control-lost', (reason) => this.onControlLost(reason));
    await this.openChannels();
    if (created) {
      // A fresh server or session: no stored pane id means anything any more.
      await this.reviveEverything('the tmux session was gone when the controller started');
    } else {
      await this.settleTransientStates();
      await rt.monitor.sweep();
    }
    rt.runner.pumpAll();
  }

  stop(): void {
    this.stopped = true;
  }

  // Opens every worker's log channel at the right offset and collects tasks that already ended.
  private async openChannels(): Promise<void> {
    const { rt } = this;
    await this.collectFromLogs();
    const running = rt.store.tasks().filter((t) => t.status === 'running');
    for (const worker of rt.store.workers()) {
      if (worker.state === 'stopped') continue;
      const channel = rt.channelFor(worker.id);
      const task = running.find((t) => t.workerId === worker.id);
      if (task) rt.runner.resume(task);
      await channel.open(task?.logOffset ?? undefined);
    }
    await Promise.all([...rt.channels.values()].map((c) => c.drain()));
  }

  // The state can be behind the logs (a journal line lost, an older snapshot restored): a task
  // still queued or running there whose END marker is in its worker's log is collected with its
  // exit code, never typed again; one queued whose BEGIN marker is there (its dispatch was not
  // recorded) is running. See ARCHITECTURE.md, "What a lost journal line costs".
  private async collectFromLogs(): Promise<void> {
    const { rt } = this;
    const byWorker = new Map<string, Task[]>();
    for (const task of rt.store.taskValues()) {
      const list = byWorker.get(task.workerId) ?? [];
      list.push(task);
      byWorker.set(task.workerId, list);
    }
    for (const worker of rt.store.workers()) {
      if (worker.state === 'stopped' || worker.mode === 'interactive') continue;
      const tasks = byWorker.get(worker.id) ?? [];
      const open = tasks.filter((t) => t.status === 'queued' || t.status === 'running');
      if (open.length === 0) continue;
      const channel = rt.channelFor(worker.id);
      const evidence = await readLogEvidence(channel.logFile, open, scanStart(tasks));
      let collected = false;
      for (const task of open) {
        const end = evidence.ended.get(task.id);
        if (end) {
          rt.logger.info('task collected from its pane log at start-up', {
            taskId: task.id,
            status: task.status,
          });
          await rt.runner.collectFromLog(worker.id, task, end);
          collected = true;
        }
      }
      const begun = [...evidence.begun.entries()]
        .map(([id, b]) => ({ task: rt.store.task(id), offset: b.offset }))
        .filter((b): b is { task: Task; offset: number } => b.task?.status === 'queued');
      const stillRunning = rt.store.runningTaskOf(worker.id);
      const latest = begun.sort((a, b) => b.offset - a.offset)[0];
      if (latest && !stillRunning) {
        // Started while the state did not record it: running from its BEGIN line on.
        rt.store.putTask(
          transitionTask(latest.task, 'running', {
            attempts: latest.task.attempts + 1,
            startedAt: latest.task.startedAt ?? new Date().toISOString(),
            logOffset: latest.offset,
          }),
        );
        const current = rt.store.requireWorker(worker.id);
        if (current.state === 'idle') rt.store.putWorker(transitionWorker(current, 'busy'));
      } else if (!stillRunning && collected) {
        // Its last task ended (the END marker proves the shell went on): idle, as a live collect does.
        const current = rt.store.requireWorker(worker.id);
        if (current.state === 'busy') rt.store.putWorker(transitionWorker(current, 'idle'));
      }
    }
    await rt.store.flush();
  }

  // Workers caught half-way (starting, reviving, busy without a task) are checked with a probe.
  private async settleTransientStates(): Promise<void> {
    const { rt } = this;
    for (const worker of rt.store.workers()) {
      const runningTask = rt.store.runningTaskOf(worker.id);
      const transient =
        worker.state === 'starting' ||
        worker.state === 'reviving' ||
        (worker.state === 'busy' && !runningTask);
      if (worker.state === 'dead') {
        // Its pane is gone: a task the state still shows running on it was cut off (a revived
        // pane would otherwise be idle under a task that never ends).
        rt.runner.interrupt(worker.id, `worker ${worker.name} was dead when the controller started`);
        rt.monitor.scheduleRevive(worker.id);
      }
      if (!transient) continue;
      const channel = rt.channelFor(worker.id);
      let next: Worker = worker.state === 'reviving' ? transitionWorker(worker, 'starting') : worker;
      try {
        if (!worker.paneId) throw new Error('no pane');
        await rt.launcher.waitReady(worker.paneId, channel, 5_000);
        next = transitionWorker(next, 'idle');
      } catch {
        next = transitionWorker(next, 'dead', {
          lastError: 'was not at its prompt when the controller restarted',
        });
      }
      rt.store.putWorker(next);
      if (next.state === 'dead') rt.monitor.scheduleRevive(worker.id);
    }
  }

  private onControlLost(reason: string | undefined): void {
    if (this.stopped) return;
    this.rt.logger.warn('tmux control client ended', { reason });
    this.recovering ??= this.recoverSession().finally(() => (this.recovering = null));
  }

  // Re-attaches to a live session, or rebuilds session and workers after the server died.
  private async recoverSession(): Promise<void> {
    const { rt } = this;
    while (!this.stopped) {
      try {
        const identity = await rt.server.identity();
        const exists = await rt.server.hasSession(rt.settings.session);
        if (!identity.known || !exists.known) throw new Error('tmux did not answer');
        if (exists.value && sameServer(identity.value, this.identity)) {
          await rt.connection.attach(rt.settings.session);
          await rt.monitor.sweep();
          return;
        }
        const why =
          identity.value === null || !sameServer(identity.value, this.identity)
            ? 'the tmux server exited'
            : 'its tmux session was closed';
        await rt.keeper.ensureSession();
        const now = await rt.server.identity();
        this.identity = now.known ? now.value : null;
        await rt.connection.attach(rt.settings.session);
        await this.reviveEverything(why);
        rt.runner.pumpAll();
        return;
      } catch (error) {
        const decision = decideRestart(this.sessionRestarts, Date.now(), SESSION_POLICY);
        if (decision.action === 'give_up') {
          rt.logger.error('cannot re-create the tmux session; giving up until tmuxorch start', {
            error: String(error),
          });
          return;
        }
        this.sessionRestarts.push(Date.now());
        rt.logger.warn('re-creating the tmux session failed; retrying', {
          error: String(error),
          delayMs: decision.delayMs,
        });
        await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
      }
    }
  }

  // All panes are gone: collect what finished, hand back what was cut off, start every worker anew.
  private async reviveEverything(why: string): Promise<void> {
    const { rt } = this;
    await Promise.all([...rt.channels.values()].map((c) => c.drain()));
    const queue = new PQueue({ concurrency: 8 });
    for (const worker of rt.store.workers()) {
      if (!isSupervised(worker)) continue;
      rt.monitor.cancelRevive(worker.id);
      rt.runner.interrupt(worker.id, why);
      const current = rt.store.requireWorker(worker.id);
      let dead = current;
      if (current.state !== 'dead') {
        dead = transitionWorker(
          current.state === 'reviving' ? transitionWorker(current, 'starting') : current,
          'dead',
          {
            lastError: why,
          },
        );
      }
      rt.store.putWorker({ ...dead, paneId: null, windowId: null });
      // Not the worker's fault: a server loss does not count against its restart limit.
      void queue.add(() => rt.monitor.revive(worker.id, 'outage'));
    }
    await queue.onIdle();
    await rt.store.flush();
  }
}
