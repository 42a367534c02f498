// `tmuxorch recover`: rebuilds a clean state from whatever is left, with the daemon stopped.
//
// 1. Every intact record of state.json, state.json.bak and the journal is read (state-salvage.ts);
//    only bad lines are skipped, and counted.
// 2. Records are merged so that no older copy wins over a newer one: a task only moves forward
//    (more attempts, then queued < running < finished), the journal's workers over the snapshot's,
//    the backup's workers only where the snapshot is unreadable or a live pane still carries them.
// 3. Tasks are reconciled against the pane logs (log-evidence.ts): a task whose END marker is in
//    its worker's log is collected as finished with its exit code, never run again; one running
//    that never began, or whose pane is gone, goes back to the queue (or is lost, no retries left).
// 4. Workers are reconciled against the panes by their @tmuxorch_worker option: exactly one live
//    pane per worker (extra tagged panes are closed), none means dead (the daemon revives it).
// 5. The originals that were damaged are kept aside under timestamped names (never deleted), the
//    journal that was merged too, and a clean snapshot is written atomically.
import { rename } from 'node:fs/promises';
import { createRedactor } from '../../domain/redact.js';
import { TmuxTimeoutError } from '../../domain/errors.js';
import { isTerminal, mayRetry, statusForExit, type Task } from '../../domain/task.js';
import type { Worker } from '../../domain/worker.js';
import type { Settings } from '../../infrastructure/config/settings.js';
import { workerLogFile } from '../../infrastructure/config/paths.js';
import { secretValuesOf } from '../../infrastructure/logs/logger.js';
import { salvageJournal, salvageSnapshot } from '../../infrastructure/state/state-salvage.js';
import { STATE_VERSION, type FleetState } from '../../infrastructure/state/state-schema.js';
import { StateStore } from '../../infrastructure/state/state-store.js';
import { TerminalRenderer } from '../../infrastructure/terminal/terminal-renderer.js';
import type { TmuxPort } from '../ports/tmux.js';
import type { PaneRow } from '../../infrastructure/tmux/format.js';
import { readLogEvidence, scanStart } from './log-evidence.js';
import { source, type RecoverReport, type SourceReport } from './recover-report.js';

export type { RecoverReport } from './recover-report.js';
import type { TaskFilesPort } from '../ports/files.js';

const TASK_STAGE: Record<string, number> = { queued: 0, running: 1 };

// True when `b` is a later version of the same task than `a`.
function isNewer(a: Task, b: Task): boolean {
  if (b.attempts !== a.attempts) return b.attempts > a.attempts;
  const stage = (t: Task): number => (isTerminal(t.status) ? 2 : (TASK_STAGE[t.status] ?? 0));
  return stage(b) >= stage(a);
}

export async function recoverHome(
  settings: Settings,
  server: TmuxPort,
  files: Pick<TaskFilesPort, 'writeOutput'>,
  now = new Date(),
): Promise<RecoverReport> {
  const { paths } = settings;
  const [state, backup, journal] = await Promise.all([
    salvageSnapshot(paths.stateFile),
    salvageSnapshot(paths.stateBackup),
    salvageJournal(paths.stateJournal),
  ]);
  const panes = await server.listPanes();
  if (!panes.known) {
    throw new TmuxTimeoutError(
      `tmux did not answer (${panes.reason}): nothing was changed; run tmuxorch recover again`,
      {},
    );
  }
  const tagged = new Map<string, PaneRow[]>();
  for (const pane of panes.value) {
    if (pane.sessionName !== settings.session || !pane.workerId) continue;
    tagged.set(pane.workerId, [...(tagged.get(pane.workerId) ?? []), pane]);
  }
  const liveTag = (id: string): boolean => (tagged.get(id) ?? []).some((p) => !p.paneDead);

  // 2. Merge.
  const tasks = new Map<string, Task>();
  const putTask = (task: Task): void => {
    const seen = tasks.get(task.id);
    if (!seen || isNewer(seen, task)) tasks.set(task.id, task);
  };
  for (const task of [...backup.tasks, ...state.tasks]) putTask(task);
  const workers = new Map<string, Worker>();
  const snapshotUsable = state.present && (state.session !== null || state.workers.length > 0);
  for (const worker of snapshotUsable ? state.workers : backup.workers) workers.set(worker.id, worker);
  let nextSeq = Math.max(state.nextSeq, backup.nextSeq);
  for (const entry of journal.entries) {
    if (entry.kind === 'task') putTask(entry.task);
    else if (entry.kind === 'worker') workers.set(entry.worker.id, entry.worker);
    else if (entry.kind === 'deleteWorker') workers.delete(entry.id);
    else nextSeq = Math.max(nextSeq, entry.seq);
  }
  const deleted = new Set(journal.entries.flatMap((e) => (e.kind === 'deleteWorker' ? [e.id] : [])));
  const droppedWorkers: string[] = [];
  for (const worker of backup.workers) {
    if (workers.has(worker.id) || deleted.has(worker.id)) continue;
    if (liveTag(worker.id)) workers.set(worker.id, worker);
    else droppedWorkers.push(worker.name);
  }
  for (const task of tasks.values()) nextSeq = Math.max(nextSeq, task.seq + 1);

  // 3. Tasks against the pane logs; 4. workers against the panes.
  const redact = createRedactor(secretValuesOf(process.env));
  const report = {
    collected: [] as string[],
    leftToCollect: [] as string[],
    requeued: [] as string[],
    lost: [] as string[],
    running: [] as string[],
    deadWorkers: [] as string[],
    closedPanes: [] as string[],
  };
  // `neverRan`: the attempt did not begin, so it does not count against the task's retries.
  const requeue = (task: Task, why: string, neverRan = false): void => {
    if (task.status === 'queued') return;
    const again = neverRan || mayRetry(task);
    const next: Task = again
      ? { ...task, status: 'queued', startedAt: null, reason: `attempt ${task.attempts} interrupted: ${why}` }
      : { ...task, status: 'lost', finishedAt: now.toISOString(), reason: why };
    tasks.set(task.id, next);
    (again ? report.requeued : report.lost).push(task.id);
  };
  for (const task of tasks.values()) {
    if (!isTerminal(task.status) && !workers.has(task.workerId)) {
      tasks.set(task.id, {
        ...task,
        status: 'lost',
        finishedAt: now.toISOString(),
        reason: 'its worker record was lost',
      });
      report.lost.push(task.id);
    }
  }
  for (const worker of [...workers.values()]) {
    if (worker.state === 'stopped') continue;
    const own = [...tasks.values()].filter((t) => t.workerId === worker.id);
    const open = own.filter((t) => t.status === 'queued' || t.status === 'running');
    const live = (tagged.get(worker.id) ?? []).filter((p) => !p.paneDead);
    const pane = live.find((p) => p.paneId === worker.paneId) ?? live[0];
    for (const extra of live) {
      if (extra === pane) continue;
      await server.pane(extra.paneId).kill();
      report.closedPanes.push(extra.paneId);
    }
    if (worker.mode !== 'interactive' && open.length > 0) {
      const evidence = await readLogEvidence(workerLogFile(paths, worker.id), open, scanStart(own));
      for (const task of open) {
        const end = evidence.ended.get(task.id);
        if (end) {
          if (task.prompt !== null) {
            // An agent's verdict needs its profile: the daemon collects it at start-up.
            report.leftToCollect.push(task.id);
            continue;
          }
          const output = await new TerminalRenderer().render(end.rawOutput);
          await files.writeOutput(task.id, redact(output), redact(end.rawOutput));
          const started = task.startedAt ?? task.createdAt;
          const ended =
            end.endedAtMs === null ? now : new Date(Math.max(Math.round(end.endedAtMs), Date.parse(started)));
          tasks.set(task.id, {
            ...task,
            status: statusForExit(end.exitCode),
            exitCode: end.exitCode,
            attempts: Math.max(task.attempts, 1),
            startedAt: started,
            finishedAt: ended.toISOString(),
            reason: null,
          });
          report.collected.push(task.id);
          continue;
        }
        const begun = evidence.begun.get(task.id);
        if (task.status === 'running' && (!begun || !pane)) {
          if (pane) requeue(task, 'it never began (found by recover)', true);
          else requeue(task, 'its pane was gone at recover');
        } else if (begun && pane) {
          tasks.set(task.id, {
            ...task,
            status: 'running',
            attempts: Math.max(task.attempts, 1),
            logOffset: begun.offset,
            startedAt: task.startedAt ?? now.toISOString(),
          });
        }
      }
      // One task at a time per worker: the latest begun keeps running, any other goes back.
      const running = [...tasks.values()]
        .filter((t) => t.workerId === worker.id && t.status === 'running')
        .sort((a, b) => (b.logOffset ?? 0) - (a.logOffset ?? 0));
      for (const extra of running.slice(1)) requeue(extra, 'another task was running on its worker', true);
      if (running[0] && !report.leftToCollect.includes(running[0].id)) report.running.push(running[0].id);
    }
    const hasRunning = [...tasks.values()].some((t) => t.workerId === worker.id && t.status === 'running');
    let next: Worker;
    if (pane) {
      const state = hasRunning
        ? 'busy'
        : worker.state === 'idle' || worker.state === 'busy'
          ? 'idle'
          : worker.state;
      // A worker caught starting, reviving or busy without a task is probed by the daemon.
      const settled = state === 'reviving' ? 'starting' : state;
      next = { ...worker, state: settled, paneId: pane.paneId, windowId: pane.windowId };
    } else {
      for (const task of [...tasks.values()]) {
        if (
          task.workerId === worker.id &&
          task.status === 'running' &&
          !report.leftToCollect.includes(task.id)
        )
          requeue(task, 'its pane was gone at recover');
      }
      const dead = (tagged.get(worker.id) ?? [])[0];
      next =
        worker.state === 'failed' || worker.state === 'dead'
          ? worker
          : {
              ...worker,
              state: 'dead',
              paneId: dead?.paneId ?? null,
              windowId: dead?.windowId ?? null,
              lastError: 'its pane was gone at recover',
            };
      if (next.state === 'dead') report.deadWorkers.push(worker.name);
    }
    workers.set(worker.id, next);
  }
  for (const id of report.running) {
    if (tasks.get(id)?.status !== 'running') report.running.splice(report.running.indexOf(id), 1);
  }

  // 5. Originals aside, clean snapshot.
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const keptAside: string[] = [];
  const aside = async (file: string, suffix: string): Promise<void> => {
    const target = `${file}.${suffix}-${stamp}`;
    await rename(file, target);
    keptAside.push(target);
  };
  if (state.present && !state.intact) await aside(paths.stateFile, 'corrupt');
  if (backup.present && !backup.intact) await aside(paths.stateBackup, 'corrupt');
  if (journal.present && (journal.entries.length > 0 || journal.skipped > 0 || journal.tornTail))
    await aside(paths.stateJournal, journal.skipped > 0 ? 'corrupt' : 'recovered');
  const merged: FleetState = {
    version: STATE_VERSION,
    session: state.session ?? backup.session ?? settings.session,
    nextSeq,
    workers: [...workers.values()],
    tasks: [...tasks.values()].sort((a, b) => a.seq - b.seq),
  };
  const store = new StateStore(paths);
  await store.save(merged);
  await store.close();
  const journalReport: SourceReport = {
    file: paths.stateJournal,
    present: journal.present,
    intact: journal.skipped === 0,
    records: journal.entries.length,
    skipped: journal.skipped,
  };
  return {
    home: settings.home,
    sources: {
      state: source(paths.stateFile, state),
      backup: source(paths.stateBackup, backup),
      journal: journalReport,
    },
    workers: merged.workers.length,
    tasks: merged.tasks.length,
    ...report,
    droppedWorkers,
    keptAside,
  };
}
