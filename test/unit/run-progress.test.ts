// RunProgress: plain lines for logs and pipes, nothing but the log with --quiet, and on a terminal a
// block redrawn in place. Fake timers make the elapsed times in the lines exact; the block's
// cursor-up count is checked against the lines it really drew, since one off leaves garbage behind.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/application/runs/parallel-run.js';
import type { TaskResult, WorkerView } from '../../src/application/contract/views.js';
import { stylerFor } from '../../src/controller/cli/output.js';
import { RunProgress } from '../../src/controller/cli/run-progress.js';
import type { JobStatus, RunJob } from '../../src/domain/run/run-job.js';
import type { JobReport } from '../../src/domain/run/run-report.js';

// A pure output sink: all RunProgress touches of a stream.
function fakeStream(columns = 100, rows = 40, isTTY = true) {
  const chunks: string[] = [];
  const sink = { columns, rows, isTTY, write: (chunk: string) => chunks.push(chunk) > 0 };
  return { chunks, asStream: sink as unknown as NodeJS.WriteStream };
}
type FakeStream = ReturnType<typeof fakeStream>;

const job = (name: string, retries = 0): RunJob => ({
  name,
  project: `/src/${name}`,
  command: 'npm test',
  type: 'shell',
  env: {},
  timeoutMs: null,
  retries,
  interactive: false,
});

const worker = (name: string, paneId: string | null): WorkerView => ({
  id: `w-${name}`,
  name,
  type: 'shell',
  project: `/src/${name}`,
  state: 'busy',
  mode: 'one-shot',
  role: 'default',
  sandboxed: false,
  model: null,
  awaitingApproval: null,
  agentSessionId: null,
  resumesAt: null,
  paneId,
  restarts: 0,
  lastError: null,
  queued: 0,
  runningTask: null,
});

const result = (status: TaskResult['status'], exitCode: number | null): TaskResult => ({
  id: 't-1',
  worker: 'api',
  status,
  exitCode,
  output: '',
  startedAt: null,
  finishedAt: null,
  durationMs: 100,
  command: 'npm test',
  priority: 'normal',
  attempts: 1,
  reason: null,
  prompt: null,
  agent: null,
});

const report = (j: RunJob, status: JobStatus, over: Partial<JobReport> = {}): JobReport => ({
  name: j.name,
  project: j.project,
  command: j.command,
  type: j.type,
  status,
  exitCode: null,
  durationMs: null,
  attempts: 0,
  tests: null,
  outputFile: null,
  reason: null,
  agent: null,
  worker: null,
  taskIds: [],
  ...over,
});

const started = (j: RunJob, attempt = 1, pane: string | null = '%3'): RunEvent => ({
  kind: 'job-started',
  job: j,
  attempt,
  worker: worker(j.name, pane),
  taskId: `t-${attempt}`,
});
const finished = (j: RunJob, status: JobStatus, over: Partial<JobReport> = {}): RunEvent => ({
  kind: 'job-finished',
  job: j,
  report: report(j, status, over),
});

// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const SGR = /\x1b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const CLEAR = /^\x1b\[(\d+)A\r\x1b\[J$/;

const plainStyle = stylerFor(fakeStream(80, 24, false).asStream, { NO_COLOR: '1' });
const colourStyle = stylerFor(fakeStream().asStream, { FORCE_COLOR: '1' });

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-01-02T03:04:05Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function progressFor(
  jobs: RunJob[],
  stream: FakeStream,
  mode: { live: boolean; quiet: boolean; colour?: boolean },
) {
  const log: string[] = [];
  const progress = new RunProgress(jobs, {
    stream: stream.asStream,
    style: mode.colour ? colourStyle : plainStyle,
    live: mode.live,
    quiet: mode.quiet,
    log: (line) => log.push(line),
  });
  return { progress, log };
}

describe('RunProgress, plain lines (not a terminal)', () => {
  const api = job('api', 2);
  const web = job('web');
  const db = job('db');

  it('writes one line per event, the same to the stream and the log', () => {
    const stream = fakeStream(80, 24, false);
    const { progress, log } = progressFor([api, web, db], stream, { live: false, quiet: false });
    progress.start();
    expect(vi.getTimerCount()).toBe(0);
    progress.say('run r1: 3 jobs');
    // A job it was not given shows nowhere.
    progress.onEvent(started(job('stranger')));
    progress.onEvent(started(api));
    progress.onEvent(started(web, 1, null));
    vi.advanceTimersByTime(1500);
    progress.onEvent({ kind: 'job-retrying', job: api, attempt: 1, result: result('failed', 3) });
    progress.onEvent(started(api, 2));
    vi.advanceTimersByTime(3500);
    progress.onEvent(
      finished(web, 'timed_out', { exitCode: 124, durationMs: 5000, reason: 'timed out after 5s' }),
    );
    progress.onEvent({ kind: 'run-stopping', reason: '--fail-fast: web timed out' });
    progress.onEvent(
      finished(api, 'succeeded', {
        exitCode: 0,
        durationMs: 2000,
        reason: 'ignored when it succeeded',
        tests: { runner: 'vitest', passed: 4, failed: 1, skipped: 0 },
      }),
    );
    progress.onEvent(finished(db, 'skipped', { reason: 'not started: --fail-fast: web timed out' }));
    progress.finish();
    const expected = [
      'run r1: 3 jobs',
      '+   0ms  api: started on api, pane %3',
      '+   0ms  web: started on web, pane -',
      '+  1.5s  api: failed (exit 3), running again: attempt 2 of 3',
      '+  1.5s  api: started (attempt 2) on api, pane %3',
      '+  5.0s  web: timed out, exit 124, 5.0s (timed out after 5s)',
      '+  5.0s  stopping: --fail-fast: web timed out',
      '+  5.0s  api: succeeded, exit 0, 2.0s, 4 passed, 1 failed',
      '+  5.0s  db: skipped (not started: --fail-fast: web timed out)',
    ];
    expect(log).toEqual(expected);
    expect(stream.chunks).toEqual(expected.map((line) => `${line}\n`));
  });
});

describe('RunProgress, quiet', () => {
  it('writes nothing to the stream, live or not, but logs every line', () => {
    for (const live of [false, true]) {
      const stream = fakeStream();
      const api = job('api');
      const { progress, log } = progressFor([api], stream, { live, quiet: true });
      expect(progress.isLive).toBe(false);
      progress.start();
      expect(vi.getTimerCount()).toBe(0);
      progress.say('hello');
      progress.onEvent(started(api));
      progress.onEvent({ kind: 'run-stopping', reason: 'interrupted' });
      progress.onEvent(finished(api, 'cancelled', { exitCode: 130, durationMs: 10, reason: 'interrupted' }));
      vi.advanceTimersByTime(2000);
      progress.finish();
      expect(stream.chunks, `live: ${live}`).toEqual([]);
      expect(log).toEqual([
        'hello',
        '+   0ms  api: started on api, pane %3',
        '+   0ms  stopping: interrupted',
        '+   0ms  api: cancelled, exit 130, 10ms (interrupted)',
      ]);
    }
  });
});

describe('RunProgress, live on a terminal', () => {
  // Checks every cursor-up against the block drawn before it, and returns the last block drawn.
  // Every write that is neither a clear nor one of the `said` lines is a block.
  function lastBlock(stream: FakeStream, said: readonly string[] = []): string[] {
    let drawn = 0;
    let block: string[] = [];
    for (const chunk of stream.chunks) {
      const clear = CLEAR.exec(chunk);
      if (clear) {
        expect(Number(clear[1])).toBe(drawn);
        drawn = 0;
      } else if (!said.includes(chunk)) {
        expect(drawn, 'a block drawn over another without clearing it').toBe(0);
        block = chunk.replace(SGR, '').split('\n').slice(0, -1);
        drawn = block.length;
      }
    }
    return block;
  }

  it('redraws the block on a timer and on each event, moving up exactly what it drew', () => {
    const stream = fakeStream();
    const [api, web, db] = [job('api', 1), job('web'), job('db')] as [RunJob, RunJob, RunJob];
    const { progress, log } = progressFor([api, web, db], stream, { live: true, quiet: false, colour: true });
    expect(progress.isLive).toBe(true);
    progress.start();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(250);
    expect(lastBlock(stream)).toEqual([
      '  ○ api  waiting',
      '  ○ web  waiting',
      '  ○ db   waiting',
      `  ${'░'.repeat(24)} 0/3 done · 250ms`,
    ]);
    progress.onEvent(started(api));
    vi.advanceTimersByTime(1000);
    progress.onEvent(started(api, 2));
    expect(lastBlock(stream)[0]).toBe('  ● api  running       0ms  attempt 2');
    vi.advanceTimersByTime(1000);
    expect(lastBlock(stream)[0]).toBe('  ● api  running      1.0s  attempt 2');
    progress.onEvent(
      finished(api, 'succeeded', {
        exitCode: 0,
        durationMs: 1500,
        tests: { runner: 'jest', passed: 3, failed: 0, skipped: 1 },
      }),
    );
    progress.onEvent(finished(web, 'failed', { exitCode: 1, durationMs: 200 }));
    expect(lastBlock(stream)).toEqual([
      '  ✓ api  succeeded    1.5s  3 passed, 1 skipped',
      '  ✗ web  failed      200ms  ',
      '  ○ db   waiting',
      `  ${'█'.repeat(16)}${'░'.repeat(8)} 2/3 done · 2.3s`,
    ]);
    // The log keeps plain lines, without the block.
    expect(log).toContain('+  2.3s  web: failed, exit 1, 200ms');
    expect(log.join('\n')).not.toContain('waiting');
    const before = stream.chunks.length;
    progress.finish();
    expect(stream.chunks.slice(before)).toEqual(['\x1b[4A\r\x1b[J']);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(stream.chunks.length).toBe(before + 1);
  });

  it('prints a said line above the block, which is redrawn under it', () => {
    const stream = fakeStream();
    const api = job('api');
    const { progress, log } = progressFor([api], stream, { live: true, quiet: false });
    progress.onEvent(started(api));
    const from = stream.chunks.length;
    progress.say('interrupted: cancelling');
    expect(stream.chunks[from]).toBe('\x1b[2A\r\x1b[J');
    expect(stream.chunks[from + 1]).toBe('interrupted: cancelling\n');
    expect(stream.chunks[from + 2]).toContain('0/1 done');
    expect(lastBlock(stream, ['interrupted: cancelling\n'])).toHaveLength(2);
    expect(log).toContain('interrupted: cancelling');
  });

  it('shows running jobs first when the terminal is too short, and says how many are hidden', () => {
    const stream = fakeStream(100, 5);
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((n) => job(n));
    const { progress } = progressFor(jobs, stream, { live: true, quiet: false });
    progress.onEvent(finished(jobs[0] as RunJob, 'succeeded', { durationMs: 1 }));
    progress.onEvent(started(jobs[3] as RunJob));
    const block = lastBlock(stream);
    // rows - 2 job lines, then the bar.
    expect(block).toHaveLength(4);
    expect(block[0]).toMatch(/^ {2}● d /);
    expect(block[1]).toMatch(/^ {2}✓ a /);
    expect(block[2]).toMatch(/^ {2}○ b /);
    expect(block[3]).toMatch(/1\/5 done · 0ms · 2 more$/);
  });

  it('cuts lines to the terminal width, keeping colour codes whole', () => {
    const stream = fakeStream(30, 24);
    const long = job('a-rather-long-job-name-indeed');
    const { progress } = progressFor([long], stream, { live: true, quiet: false, colour: true });
    progress.onEvent(started(long));
    const raw = stream.chunks.at(-1) ?? '';
    expect(raw.split('\n')).toHaveLength(3);
    for (const line of raw.split('\n').slice(0, -1)) {
      expect(line.replace(SGR, '').length).toBeLessThanOrEqual(29);
      // Whatever is left of an escape sequence once SGR codes are removed would be a cut one.
      expect(line.replace(SGR, '')).not.toContain('\x1b');
    }
    expect(lastBlock(stream)).toEqual(['  ● a-rather-long-job-name-in', `  ${'░'.repeat(24)} 0/`]);
  });

  it('falls back to 80x24 when the terminal reports a tiny or no size', () => {
    const stream = fakeStream(0, 0);
    // 40-character names: the longest allowed, so a width of 0 or 20 would cut every line.
    const jobs = Array.from({ length: 30 }, (_, i) => job(`${i}-`.padEnd(40, 'x')));
    const { progress } = progressFor(jobs, stream, { live: true, quiet: false });
    progress.onEvent(started(jobs[7] as RunJob));
    const block = lastBlock(stream);
    expect(block).toHaveLength(23);
    expect(block[0]).toBe(`  ● ${'7-'.padEnd(40, 'x')}  running       0ms`);
    expect(block[1]).toBe(`  ○ ${'0-'.padEnd(40, 'x')}  waiting`);
    expect(block.at(-1)).toBe(`  ${'░'.repeat(24)} 0/30 done · 0ms · 8 more`);
  });
});
