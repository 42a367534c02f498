// Progress of `tmuxorch run` on stderr. On a terminal: one line per job (state, elapsed, tests)
// and a bar, redrawn in place. Elsewhere (CI logs, pipes): one plain line per event. The plain
// lines also go to the run's progress.log, which window 0 of an ephemeral run shows.
import type { RunEvent } from '../../application/runs/parallel-run.js';
import type { RunJob } from '../../domain/run/run-job.js';
import { describeTests, type JobReport } from '../../domain/run/run-report.js';
import { formatDuration, type Styler } from './output.js';

interface JobLine {
  readonly job: RunJob;
  startedAt: number | null;
  attempt: number;
  report: JobReport | null;
}

export interface RunProgressOptions {
  readonly stream: NodeJS.WriteStream;
  readonly style: Styler;
  // Redraw in place (a terminal) rather than print lines.
  readonly live: boolean;
  // Print nothing on the stream (--quiet); the log still gets every line.
  readonly quiet: boolean;
  readonly log: (line: string) => void;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 250;

export class RunProgress {
  private readonly lines: JobLine[];
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private drawn = 0;

  constructor(
    jobs: readonly RunJob[],
    private readonly options: RunProgressOptions,
  ) {
    this.lines = jobs.map((job) => ({ job, startedAt: null, attempt: 0, report: null }));
  }

  get isLive(): boolean {
    return this.options.live && !this.options.quiet;
  }

  start(): void {
    if (this.isLive) this.timer = setInterval(() => this.redraw(), REDRAW_MS);
  }

  // A line above the live block (the block is redrawn under it).
  say(text: string): void {
    this.options.log(text);
    if (this.options.quiet) return;
    this.clear();
    this.options.stream.write(`${text}\n`);
    if (this.isLive) this.redraw();
  }

  onEvent(event: RunEvent): void {
    if (event.kind === 'run-started') return; // the caller says what it wants to about the run
    if (event.kind === 'run-stopping') {
      this.event(`stopping: ${event.reason}`);
      return;
    }
    const line = this.lines.find((l) => l.job.name === event.job.name);
    if (!line) return;
    const name = event.job.name;
    switch (event.kind) {
      case 'job-started':
        line.startedAt = Date.now();
        line.attempt = event.attempt;
        this.event(
          `${name}: started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''} on ${event.worker.name}, pane ${event.worker.paneId ?? '-'}`,
        );
        break;
      case 'job-retrying':
        this.event(
          `${name}: ${event.result.status.replace('_', ' ')} (exit ${event.result.exitCode ?? '-'}), running again: attempt ${event.attempt + 1} of ${event.job.retries + 1}`,
        );
        break;
      case 'job-finished': {
        line.report = event.report;
        const r = event.report;
        const tests = describeTests(r.tests);
        this.event(
          `${name}: ${r.status.replace('_', ' ')}${r.exitCode !== null ? `, exit ${r.exitCode}` : ''}${r.durationMs !== null ? `, ${formatDuration(r.durationMs)}` : ''}${tests ? `, ${tests}` : ''}${r.reason && r.status !== 'succeeded' ? ` (${r.reason})` : ''}`,
        );
        break;
      }
    }
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }

  private event(text: string): void {
    const line = `+${formatDuration(Date.now() - this.started).padStart(6)}  ${text}`;
    this.options.log(line);
    if (this.options.quiet) return;
    if (this.isLive) this.redraw();
    else this.options.stream.write(`${line}\n`);
  }

  private clear(): void {
    if (this.drawn === 0) return;
    this.options.stream.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (!this.isLive) return;
    const { stream, style: s } = this.options;
    const columns = stream.columns > 20 ? stream.columns : 80;
    const rows = stream.rows > 4 ? stream.rows : 24;
    const width = Math.max(...this.lines.map((l) => l.job.name.length));
    const shown = this.visible(rows - 2);
    const text = shown.map((line) => this.jobText(line, width, s));
    const done = this.lines.filter((l) => l.report).length;
    const filled = Math.round((done / this.lines.length) * BAR_WIDTH);
    const hidden = this.lines.length - shown.length;
    text.push(
      `  ${s.cyan('█'.repeat(filled))}${s.dim('░'.repeat(BAR_WIDTH - filled))} ${done}/${this.lines.length} done · ${formatDuration(Date.now() - this.started)}${hidden > 0 ? s.dim(` · ${hidden} more`) : ''}`,
    );
    this.clear();
    stream.write(`${text.map((t) => truncate(t, columns - 1)).join('\n')}\n`);
    this.drawn = text.length;
  }

  // What fits: running jobs first, then finished ones, then those still waiting.
  private visible(room: number): JobLine[] {
    if (this.lines.length <= room) return this.lines;
    const rank = (l: JobLine): number => (l.report ? 1 : l.startedAt !== null ? 0 : 2);
    return [...this.lines].sort((a, b) => rank(a) - rank(b)).slice(0, Math.max(1, room));
  }

  private jobText(line: JobLine, width: number, s: Styler): string {
    const name = line.job.name.padEnd(width);
    const r = line.report;
    if (r) {
      const ok = r.status === 'succeeded';
      const mark = ok ? s.green('✓') : r.status === 'skipped' ? s.dim('-') : s.red('✗');
      const status = (ok ? s.green : r.status === 'skipped' ? s.dim : s.red)(r.status.padEnd(10));
      return `  ${mark} ${name}  ${status} ${formatDuration(r.durationMs).padStart(6)}  ${describeTests(r.tests)}`;
    }
    if (line.startedAt === null) return `  ${s.dim('○')} ${name}  ${s.dim('waiting')}`;
    const attempt = line.attempt > 1 ? s.dim(`  attempt ${line.attempt}`) : '';
    return `  ${s.yellow('●')} ${name}  ${s.yellow('running'.padEnd(10))} ${formatDuration(Date.now() - line.startedAt).padStart(6)}${attempt}`;
  }
}

// Cuts a line to `columns` visible characters, keeping its colour codes.
function truncate(text: string, columns: number): string {
  let visible = 0;
  let out = '';
  // eslint-disable-next-line no-control-regex
  for (const part of text.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const room = columns - visible;
    if (room <= 0) continue;
    const chars = [...part];
    out += chars.slice(0, room).join('');
    visible += Math.min(chars.length, room);
  }
  return out;
}
