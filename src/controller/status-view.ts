// Renders the fleet as text: `tmuxorch status` prints it once; window 0 redraws it live.
import type { StatusView, TaskResult, WorkerView } from '../application/contract/views.js';
import { formatDuration, table, type Styler } from './cli/output.js';

function stateColour(state: string, s: Styler): string {
  if (state === 'idle' || state === 'succeeded') return s.green(state);
  if (
    state === 'busy' ||
    state === 'running' ||
    state === 'starting' ||
    state === 'reviving' ||
    state === 'queued'
  )
    return s.cyan(state);
  if (state === 'dead' || state === 'failed' || state === 'lost' || state === 'timed_out')
    return s.red(state);
  return s.yellow(state);
}

export function renderWorkers(workers: readonly WorkerView[], s: Styler): string {
  if (workers.length === 0) return s.dim('no workers yet: tmuxorch add-worker --type shell --project <dir>');
  return table(
    ['NAME', 'TYPE', 'STATE', 'PANE', 'RESTARTS', 'QUEUED', 'PROJECT', 'LAST ERROR'],
    workers.map((w) => [
      s.bold(w.name),
      w.type,
      stateColour(w.state, s),
      w.paneId ?? '-',
      String(w.restarts),
      String(w.queued),
      w.project,
      w.lastError ? s.red(w.lastError) : '',
    ]),
  );
}

export function renderTasks(tasks: readonly TaskResult[], s: Styler, now = Date.now()): string {
  if (tasks.length === 0) return s.dim('no tasks yet: tmuxorch send <worker> -- <command>');
  return table(
    ['TASK', 'WORKER', 'STATUS', 'EXIT', 'TIME', 'COMMAND'],
    tasks.map((t) => {
      const elapsed = t.durationMs ?? (t.startedAt ? now - Date.parse(t.startedAt) : null);
      const command = (t.prompt ?? t.command).split('\n')[0] ?? '';
      return [
        t.id,
        t.worker,
        stateColour(t.status, s),
        t.exitCode === null ? '-' : String(t.exitCode),
        formatDuration(elapsed),
        command.length > 60 ? `${command.slice(0, 57)}...` : command,
      ];
    }),
  );
}

export function renderWorkflows(view: StatusView, s: Styler): string[] {
  if (view.workflows.length === 0) return [];
  const lines = view.workflows.map((run) => {
    const parts = [`${s.bold(run.id)} ${run.name}: ${run.status}`];
    if (run.running.length > 0) parts.push(`running ${run.running.join(', ')}`);
    if (run.waiting.length > 0)
      parts.push(s.yellow(`waiting at ${run.waiting.join(', ')} (tmuxorch flow approve ${run.id})`));
    return parts.join('  ');
  });
  return ['', s.bold('Workflows'), ...lines];
}

export function renderStatus(view: StatusView, s: Styler, taskLimit = 15): string {
  const d = view.daemon;
  const header = `${s.bold('tmuxorch')} ${d.version}  daemon pid ${d.pid}  up ${formatDuration(d.uptimeMs)}  session ${d.session}${
    d.tmuxSocket ? ` (tmux -L ${d.tmuxSocket})` : ''
  }${d.http ? `  http ${d.http}` : ''}`;
  return [
    header,
    '',
    s.bold('Workers'),
    renderWorkers(view.workers, s),
    ...renderWorkflows(view, s),
    '',
    s.bold('Recent tasks'),
    renderTasks(view.tasks.slice(0, taskLimit), s),
  ].join('\n');
}
