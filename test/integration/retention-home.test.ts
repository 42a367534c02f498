// Retention over a home's real files (application/retention/prune-home.ts), with the fleet's
// records given as its state would hold them: removed workers' logs go after workerLogDays, a
// live worker's log never and its rotated one only when idle; a task's files only once it is
// finished, an orphan's after a day; a `tmuxorch run` directory without its report is kept while
// it may be running; a queue job only once done or failed; the kinds filter; the config's rules
// and the request's overrides.
import { existsSync, utimesSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneHome, type PruneReport } from '../../src/application/retention/prune-home.js';
import type { RetentionSubjects } from '../../src/application/retention/retention-subjects.js';
import { resolveSettings, type RetentionSettings } from '../../src/infrastructure/config/settings.js';
import { GitWorkspaces } from '../../src/infrastructure/git/git-workspaces.js';
import { RunFiles } from '../../src/infrastructure/workflow/run-files.js';
import { newTask, type Task } from '../../src/domain/task.js';
import type { Job } from '../../src/domain/queue/job.js';
import { workerRecord } from '../helpers/worker-record.js';
import { useTmpHomes } from '../helpers/tmp-home.js';

const homes = useTmpHomes();
const DAY = 86_400_000;
const NOW = Date.now();

async function file(path: string, daysAgo: number, text = 'x'): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  // The file and its directory as last written then (a directory's age is its newest write).
  const at = (NOW - daysAgo * DAY) / 1000;
  utimesSync(path, at, at);
  utimesSync(dirname(path), at, at);
  return path;
}

function task(id: string, status: Task['status'], finishedDaysAgo: number | null, workerId = 'w-live'): Task {
  return {
    ...newTask(id, { workerId, workerName: 'live', command: 'echo' }, 1, new Date(NOW - 30 * DAY)),
    status,
    finishedAt: finishedDaysAgo === null ? null : new Date(NOW - finishedDaysAgo * DAY).toISOString(),
  };
}

function job(id: string, status: Job['status'], finishedDaysAgo: number): Job {
  const at = new Date(NOW - finishedDaysAgo * DAY).toISOString();
  return {
    id,
    key: id,
    seq: 1,
    kind: 'task',
    spec: { worker: 'live', command: 'echo' },
    project: '/srv',
    requireApproval: false,
    source: { via: 'cli' },
    status,
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    finishedAt: status === 'done' || status === 'failed' ? at : null,
    attempts: 1,
    target: null,
    reason: null,
  } as unknown as Job;
}

async function homeWith(retention: Partial<RetentionSettings>, tasks: Task[], jobs: Job[]) {
  const tmp = await homes.make();
  const base = resolveSettings({ home: join(tmp.dir, 'home') }, {});
  const settings = { ...base, retention: { ...base.retention, ...retention } };
  const removedTasks: string[] = [];
  const removedJobs: string[] = [];
  const subjects: RetentionSubjects = {
    settings,
    tasks,
    workers: [workerRecord({ id: 'w-live' }), workerRecord({ id: 'w-busy', name: 'busy' })],
    jobs: jobs.map((j) => ({ job: j, path: join(settings.paths.queueDir, 'jobs', `${j.id}.json`) })),
    runFiles: new RunFiles(settings.paths.flowsDir),
    workspaces: new GitWorkspaces(),
    isRunActive: () => false,
    removeTaskFiles: async (id) => void removedTasks.push(id),
    removeJob: async (id) => (removedJobs.push(id), true),
  };
  for (const j of jobs) await file(subjects.jobs.find((x) => x.job.id === j.id)?.path ?? '', 1, '{}');
  return { settings, subjects, removedTasks, removedJobs };
}

const ids = (report: PruneReport, kind: string): string[] =>
  report.removed
    .filter((r) => r.kind === kind)
    .map((r) => r.id)
    .sort();

describe('retention over a home', () => {
  it("removed workers' logs go after workerLogDays; a live worker's never; its rotated one when idle", async () => {
    const { settings, subjects } = await homeWith({}, [task('t-run', 'running', null, 'w-busy')], []);
    const logs = settings.paths.workerLogsDir;
    const paths = {
      liveOld: await file(join(logs, 'w-live.log'), 30),
      liveRotated: await file(join(logs, 'w-live.log.1'), 30),
      busyRotated: await file(join(logs, 'w-busy.log.1'), 30),
      goneOld: await file(join(logs, 'w-gone.log'), 8),
      goneOldRotated: await file(join(logs, 'w-gone.log.1'), 8),
      goneRecent: await file(join(logs, 'w-recent.log'), 1),
      other: await file(join(logs, 'notes.txt'), 30),
    };
    // The default rules: only removed workers' logs past 7 days.
    const first = await pruneHome(subjects, {}, NOW);
    expect(ids(first, 'worker-log')).toEqual(['w-gone.log', 'w-gone.log.1']);
    expect(first.removed.map((r) => r.kind)).toEqual(['worker-log', 'worker-log']);
    expect(existsSync(paths.goneOld)).toBe(false);
    for (const kept of [paths.liveOld, paths.liveRotated, paths.busyRotated, paths.goneRecent, paths.other])
      expect(existsSync(kept), kept).toBe(true);
    // With an age rule: the idle worker's rotated log goes, the busy one's stays, held.
    const second = await pruneHome(subjects, { olderThan: '2d' }, NOW);
    expect(ids(second, 'rotated-log')).toEqual(['w-live.log.1']);
    expect(second.kept.find((k) => k.id === 'w-busy.log.1')).toMatchObject({
      held: true,
      reason: 'worker w-busy is running a task',
    });
    expect(existsSync(paths.liveOld)).toBe(true);
  });

  it("task files only once finished; an orphan's after a day; run reports; queue jobs; the kinds filter", async () => {
    const tasks = [
      task('t-done', 'succeeded', 10),
      task('t-young', 'failed', 1),
      task('t-queued', 'queued', null),
      task('t-running', 'running', null),
    ];
    const jobs = [job('jdone1', 'done', 10), job('jpend1', 'pending', 10), job('jfail1', 'failed', 1)];
    const { settings, subjects, removedTasks, removedJobs } = await homeWith({ maxAgeDays: 5 }, tasks, jobs);
    const tasksDir = settings.paths.tasksDir;
    for (const t of tasks) await file(join(tasksDir, t.id, 'output.txt'), 10);
    await file(join(tasksDir, 't-orphan', 'output.txt'), 2);
    await file(join(tasksDir, 't-fresh-orphan', 'output.txt'), 0.1);
    const runs = join(settings.home, 'runs');
    await file(join(runs, '20261101-000000-aaaa', 'report.json'), 10);
    await file(join(runs, '20261101-000000-bbbb', 'progress.log'), 0.1);
    await file(join(runs, '20261101-000000-cccc', 'progress.log'), 3);

    const dry = await pruneHome(subjects, { dryRun: true }, NOW);
    expect(ids(dry, 'task-output')).toEqual(['t-done', 't-orphan']);
    expect(dry.removed.find((r) => r.id === 't-orphan')?.reason).toMatch(/no longer in the state/);
    expect(dry.kept.find((k) => k.id === 't-running')).toMatchObject({
      held: true,
      reason: 'the task is running',
    });
    expect(dry.kept.find((k) => k.id === 't-queued')).toMatchObject({ held: true });
    expect(ids(dry, 'queue-job')).toEqual(['jdone1']);
    expect(dry.kept.find((k) => k.id === 'jpend1')).toMatchObject({
      held: true,
      reason: 'the job is pending',
    });
    // A report-less run that wrote lately may still be going; one quiet for days is not (but
    // it is younger than the rule).
    expect(ids(dry, 'run-report')).toEqual(['20261101-000000-aaaa']);
    expect(dry.kept.find((k) => k.id === '20261101-000000-bbbb')).toMatchObject({ held: true });
    expect(dry.kept.find((k) => k.id === '20261101-000000-cccc')).toMatchObject({ held: false });
    expect(removedTasks).toEqual([]);
    expect(existsSync(join(runs, '20261101-000000-aaaa'))).toBe(true);

    // --keep counts run reports: beyond the newest 1 finished one goes, however young.
    const counted = await pruneHome(subjects, { dryRun: true, keep: 1, kinds: ['run-report'] }, NOW);
    expect(counted.removed.map((r) => r.kind)).toEqual(['run-report']);
    expect(ids(counted, 'run-report')).toEqual(['20261101-000000-aaaa']);
    expect(counted.kept.find((k) => k.id === '20261101-000000-cccc')?.reason).toBe('newer than 5d');

    const real = await pruneHome(subjects, {}, NOW);
    expect(removedTasks.sort()).toEqual(['t-done', 't-orphan']);
    expect(removedJobs).toEqual(['jdone1']);
    expect(ids(real, 'run-report')).toEqual(['20261101-000000-aaaa']);
    expect(existsSync(join(runs, '20261101-000000-aaaa'))).toBe(false);
    expect(existsSync(join(runs, '20261101-000000-bbbb'))).toBe(true);
    expect(real.rules).toEqual({
      maxAgeMs: 5 * DAY,
      keepRuns: null,
      maxBytes: null,
      workerLogMaxAgeMs: 5 * DAY,
    });
  });

  it('refuses input that is not its schema, as USAGE', async () => {
    const { subjects } = await homeWith({}, [], []);
    await expect(pruneHome(subjects, { olderThan: 'soon' }, NOW)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(pruneHome(subjects, { keep: -1 }, NOW)).rejects.toMatchObject({ code: 'USAGE' });
  });
});
