// Retention (issue 16) through the built CLI, on a private fleet with real workflow runs and git
// worktrees: `prune --dry-run --json` lists exactly what would go and changes nothing; `prune`
// removes it (a merged run with its worktrees and branches, old task outputs, a finished queue
// job, a run report, removed workers' logs); an unfinished run and a run holding unmerged work
// stay, the latter with its worktree and branch; a young task output stays; a second prune
// removes nothing. Without a daemon the same runs in-process. The daemon prunes on its own at
// start when config.json says so.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Fleet, type PruneReport } from '../../src/index.js';
import type { CliFleet } from '../helpers/cli.js';
import { git, gitProject } from '../helpers/git-project.js';
import { waitFor } from '../helpers/wait-for.js';
import { startFlow, waitForFlow, writeWorkflow } from '../helpers/workflow-runs.js';
import { useCliFleet, useFreshCliFleets } from './cli-fleets.js';
import { addShell, expectFailure, expectOk, runJson, status } from './support.js';

// A step's change in a worktree of its own, merged into main by the merge step.
const MERGED = `schema_version: 1
name: merged
steps:
  change:
    run: echo merged > merged.txt
    workspace: worktree
  merge:
    needs: change
    merge: { steps: [change] }
`;

// A step's change committed on its branch, merged nowhere.
const UNMERGED = `schema_version: 1
name: unmerged
steps:
  change:
    run: echo unmerged > unmerged.txt
    workspace: worktree
`;

// Waits at its gate: unfinished.
const WAITING = `schema_version: 1
name: waiting
steps:
  ok: { gate: { message: later } }
`;

// Every path under the directories retention looks at (a dry run must leave them as they were).
async function tree(home: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      out.push(relative(home, path));
      if (entry.isDirectory()) await walk(path);
    }
  };
  for (const dir of ['flows', 'runs', 'state/tasks', 'logs/workers', 'queue/jobs'])
    await walk(join(home, dir));
  return out.sort();
}

function branches(project: string): string[] {
  return git(project, 'branch', '--format=%(refname:short)').split('\n').filter(Boolean).sort();
}

async function prune(fleet: CliFleet, args: readonly string[]): Promise<PruneReport> {
  const { exitCode, body, run } = await runJson<PruneReport>(fleet, ['prune', ...args]);
  expect(exitCode, `prune ${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(0);
  return body;
}

describe('retention (tmuxorch prune)', () => {
  let fleet: CliFleet;
  useCliFleet((made) => (fleet = made), { start: true });

  it('with an unfinished run and an unmerged worktree kept: the dry run lists exactly what goes, prune removes it, a second removes nothing', async () => {
    const home = String(fleet.env.TMUXORCH_HOME);
    const project = await gitProject(join(fleet.home.dir, 'proj'));
    await addShell(fleet, 'w');
    const old = JSON.parse(
      (await expectOk(fleet, ['send', 'w', '--wait', '--json', '--', 'echo old'])).stdout,
    ) as { id: string };
    const merged = await startFlow(fleet, await writeWorkflow(fleet, MERGED), project, ['--mode', 'auto']);
    expect((await waitForFlow(fleet, merged)).status).toBe('succeeded');
    const unmerged = await startFlow(fleet, await writeWorkflow(fleet, UNMERGED), project, [
      '--mode',
      'auto',
    ]);
    expect((await waitForFlow(fleet, unmerged)).status).toBe('succeeded');
    const waiting = await startFlow(fleet, await writeWorkflow(fleet, WAITING), project);
    await waitForFlow(fleet, waiting, (run) => run.status === 'awaiting_approval', 'the run waits');
    const job = JSON.parse(
      (await expectOk(fleet, ['queue', 'submit', '--worker', 'w', '--command', 'echo job', '--json'])).stdout,
    ) as { job: { id: string } };
    await waitFor(
      async () =>
        (await fleet.json<{ status: string }>(['queue', 'show', job.job.id])).body.status === 'done',
      { message: 'the queue job is done' },
    );
    const report = await expectOk(fleet, ['run', '--project', project, '--cmd', 'echo report', '--quiet']);
    expect(report.exitCode).toBe(0);
    const [reportDir = ''] = await readdir(join(home, 'runs'));
    // What finished so far is "old"; a task finished well after this boundary is "young".
    const boundary = Date.now();
    await waitFor(() => Date.now() > boundary + 3_000, { message: 'time passes', intervalMs: 100 });
    const young = JSON.parse(
      (await expectOk(fleet, ['send', 'w', '--wait', '--json', '--', 'echo young'])).stdout,
    ) as { id: string };
    const olderThan = (): string => `${Date.now() - boundary}ms`;

    const mergedBranches = branches(project).filter((b) => b.startsWith(`tmuxorch/${merged}/`));
    expect(mergedBranches.length).toBeGreaterThan(0);
    const unmergedWorktree = join(home, 'flows', unmerged, 'worktrees', 'change');
    expect(existsSync(unmergedWorktree)).toBe(true);
    const liveWorkers = new Set((await status(fleet)).workers.map((w) => w.id));

    const before = await tree(home);
    const dry = await prune(fleet, ['--dry-run', '--older-than', olderThan()]);
    expect(await tree(home)).toEqual(before);
    expect(branches(project)).toEqual(expect.arrayContaining(mergedBranches));
    expect(dry.dryRun).toBe(true);

    const removedOf = (r: PruneReport, kind: string): string[] =>
      r.removed.filter((x) => x.kind === kind).map((x) => x.id);
    expect(removedOf(dry, 'workflow-run')).toEqual([merged]);
    expect(removedOf(dry, 'task-output')).toContain(old.id);
    expect(removedOf(dry, 'task-output')).not.toContain(young.id);
    expect(removedOf(dry, 'queue-job')).toEqual([job.job.id]);
    expect(removedOf(dry, 'run-report')).toEqual([reportDir]);
    // Removed workers' logs (the steps' workers) go; a live worker's never.
    for (const log of removedOf(dry, 'worker-log'))
      expect(liveWorkers.has(log.split('.')[0] ?? '')).toBe(false);
    expect(removedOf(dry, 'worker-log').length).toBeGreaterThan(0);
    const kept = new Map(dry.kept.map((k) => [`${k.kind}/${k.id}`, k]));
    expect(kept.get(`workflow-run/${unmerged}`)).toMatchObject({ held: true });
    expect(kept.get(`workflow-run/${unmerged}`)?.reason).toMatch(
      new RegExp(
        `^unmerged work in ${unmergedWorktree}: branch tmuxorch/${unmerged}/change has 1 commit not merged into main`,
      ),
    );
    expect(kept.get(`workflow-run/${waiting}`)).toMatchObject({
      held: true,
      reason: 'the run is awaiting_approval',
    });
    expect(kept.get(`task-output/${young.id}`)).toMatchObject({ held: false });
    expect(dry.freedBytes).toBe(dry.removed.reduce((sum, r) => sum + r.bytes, 0));

    const real = await prune(fleet, ['--older-than', olderThan()]);
    expect(real.dryRun).toBe(false);
    expect(real.failed).toBe(0);
    expect(real.removed.map((r) => `${r.kind}/${r.id}`).sort()).toEqual(
      dry.removed.map((r) => `${r.kind}/${r.id}`).sort(),
    );
    for (const item of real.removed) expect(existsSync(item.path), item.path).toBe(false);
    const after = new Set(await tree(home));
    for (const path of before)
      if (!real.removed.some((r) => join(home, path).startsWith(r.path)))
        expect(after.has(path), path).toBe(true);
    // The merged run's worktrees and branches went with it; the unmerged one's stayed.
    expect(branches(project).filter((b) => b.startsWith(`tmuxorch/${merged}/`))).toEqual([]);
    expect(branches(project)).toContain(`tmuxorch/${unmerged}/change`);
    expect(existsSync(join(unmergedWorktree, 'unmerged.txt'))).toBe(true);
    expect(git(project, 'worktree', 'list')).toContain(unmergedWorktree);
    await expectFailure(fleet, ['flow', 'status', merged], 'WORKFLOW_NOT_FOUND', 1);
    await expectFailure(fleet, ['queue', 'show', job.job.id], 'JOB_NOT_FOUND', 1);
    expect((await fleet.json<{ status: string }>(['flow', 'status', waiting])).body.status).toBe(
      'awaiting_approval',
    );
    expect((await fleet.json<{ output: string }>(['result', young.id])).body.output).toContain('young');

    // The daemon logged what it removed for the request.
    const logged = (await readFile(join(home, 'logs', 'controller.log'), 'utf8'))
      .split('\n')
      .filter((line) => line.includes('retention: removed'))
      .map((line) => JSON.parse(line) as { by: string; items: number });
    expect(logged).toContainEqual(expect.objectContaining({ by: 'request', items: real.removed.length }));

    const again = await prune(fleet, ['--older-than', olderThan()]);
    expect(again.removed).toEqual([]);

    // The human form: one line per item and a total.
    const plain = await expectOk(fleet, ['prune', '--dry-run', '--older-than', '0s']);
    expect(plain.stdout).toMatch(/^would remove {2}task-output +t-/m);
    expect(plain.stdout).toMatch(/^kept {2}workflow-run +\S+ +unmerged work in /m);
    expect(plain.stdout).toMatch(/^would free .+ \(\d+ items?\)/m);

    // Without the daemon: in this process, the same rules over the home's files.
    await expectOk(fleet, ['stop']);
    const offline = await prune(fleet, ['--older-than', '0s']);
    expect(offline.removed.map((r) => `${r.kind}/${r.id}`)).toContain(`task-output/${young.id}`);
    expect(offline.kept.find((k) => k.id === unmerged)?.held).toBe(true);
    expect(offline.kept.find((k) => k.id === waiting)).toMatchObject({
      reason: 'the run is awaiting_approval',
    });
    expect(existsSync(join(home, 'state', 'tasks', young.id))).toBe(false);
    expect(branches(project)).toContain(`tmuxorch/${unmerged}/change`);
    expect(await fleet.daemonPid()).toBeNull();
  });

  it('refuses a bad age, count or kind with USAGE (exit 2), with the daemon stopped or running', async () => {
    await expectFailure(fleet, ['prune', '--older-than', 'a week'], 'USAGE', 2, { plain: true });
    await expectFailure(fleet, ['prune', '--keep', '-1'], 'USAGE', 2);
    await expectFailure(fleet, ['prune', '--kind', 'everything'], 'USAGE', 2);
    // The Fleet API reaches the same operation, its input checked by the same schema.
    await expectOk(fleet, ['start']);
    const api = await Fleet.connect({ env: fleet.env });
    try {
      await expect(api.prune({ olderThan: 'soon' })).rejects.toMatchObject({ code: 'USAGE' });
      expect(await api.prune({ dryRun: true, kinds: ['queue-job'] })).toMatchObject({
        dryRun: true,
        failed: 0,
      });
    } finally {
      await api.close();
    }
  });
});

describe('the daemon prunes on its own', () => {
  const fleets = useFreshCliFleets();

  it('at start, by config.json retention, and logs what it removed', async () => {
    const fleet = await fleets.create();
    const home = String(fleet.env.TMUXORCH_HOME);
    await expectOk(fleet, ['start']);
    await addShell(fleet, 'w');
    const task = JSON.parse(
      (await expectOk(fleet, ['send', 'w', '--wait', '--json', '--', 'echo hi'])).stdout,
    ) as {
      id: string;
    };
    expect(existsSync(join(home, 'state', 'tasks', task.id))).toBe(true);
    await expectOk(fleet, ['config', 'set', 'retention.maxAgeDays', '0']);
    await expectFailure(fleet, ['config', 'set', 'retention.maxAge', '1'], 'CONFIG_INVALID', 2);
    await expectOk(fleet, ['stop']);
    await expectOk(fleet, ['start']);
    await waitFor(() => !existsSync(join(home, 'state', 'tasks', task.id)), {
      message: "the schedule's first prune removes the finished task's output",
    });
    const log = await waitFor(
      async () => {
        const text = await readFile(join(home, 'logs', 'controller.log'), 'utf8');
        return text.includes('retention: removed') && text;
      },
      { message: 'the prune is logged' },
    );
    expect(log).toContain(task.id);
    expect(log).toContain('"by":"schedule"');
  });
});
