// When things go wrong: a merge conflict stops the merge naming the branch and the file, and main
// stays where it was; `flow clean` then keeps every worktree whose branch is not merged, saying
// why; `flow resume` continues a failed run from the step that failed (finished steps are not run
// again); `tmux kill-server` mid-step cuts the step off and its retry runs it again.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { useCliFleet } from './cli-fleets.js';
import { startFlow, stepOf, waitForFlow, writeWorkflow } from '../helpers/workflow-runs.js';
import { git, gitProject } from '../helpers/git-project.js';

// A run that edited a file and merged it, in auto mode, to its end (succeeded).
async function mergedRun(fleet: CliFleet, name: string): Promise<{ project: string; id: string }> {
  const project = await gitProject(join(fleet.home.dir, name));
  const file = await writeWorkflow(
    fleet,
    `schema_version: 1
name: ${name}
roles: { coder: { agent: sim } }
steps:
  edit: { role: coder, prompt: "write b.txt: new" }
  merge: { needs: edit, merge: { steps: [edit] } }
`,
  );
  const id = await startFlow(fleet, file, project, ['--mode', 'auto']);
  expect((await waitForFlow(fleet, id)).status).toBe('succeeded');
  return { project, id };
}

describe('workflow recovery', () => {
  let fleet: CliFleet;
  useCliFleet((made) => (fleet = made), { start: true });

  it('stops a merge at the first conflict, naming the branch and the file; clean keeps the unmerged worktrees', async () => {
    const project = await gitProject(join(fleet.home.dir, 'conflict'));
    const head = git(project, 'rev-parse', 'main');
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: conflicting
roles: { coder: { agent: sim } }
steps:
  left: { role: coder, prompt: "write a.txt: left" }
  right: { role: coder, prompt: "write a.txt: right" }
  merge:
    needs: [left, right]
    merge: { steps: [left, right] }
`,
    );
    const id = await startFlow(fleet, file, project, ['--mode', 'auto']);
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'merge').reason).toMatch(
      new RegExp(`merging tmuxorch/${id}/right conflicts \\(a\\.txt\\)`),
    );
    expect(git(project, 'rev-parse', 'main')).toBe(head);

    const clean = await fleet.json<{ removed: unknown[]; kept: { path: string; reason: string }[] }>([
      'flow',
      'clean',
      id,
    ]);
    expect(clean.exitCode).toBe(0);
    expect(clean.body.removed).toEqual([]);
    expect(clean.body.kept).toHaveLength(3);
    for (const kept of clean.body.kept) expect(kept.reason).toMatch(/not merged into main/);
  });

  it('removes the worktrees of a merged run, and refuses to clean one still going', async () => {
    const { project, id } = await mergedRun(fleet, 'merged');
    const clean = await fleet.json<{ removed: { branch: string }[]; kept: unknown[] }>(['flow', 'clean', id]);
    expect(clean.body.kept).toEqual([]);
    expect(clean.body.removed.map((r) => r.branch).sort()).toEqual(
      [`tmuxorch/${id}/edit`, `tmuxorch/${id}/_integration`].sort(),
    );
    expect(git(project, 'branch', '--list', `tmuxorch/${id}/*`)).toBe('');
  });

  it('cleans a finished run with no daemon running, in this process, under the home lock', async () => {
    const { project, id } = await mergedRun(fleet, 'offline-clean');
    expect((await fleet.run(['stop'])).exitCode).toBe(0);
    try {
      const clean = await fleet.json<{ removed: { branch: string }[]; kept: unknown[] }>([
        'flow',
        'clean',
        id,
      ]);
      expect(clean.exitCode).toBe(0);
      expect(clean.body.removed.map((r) => r.branch).sort()).toEqual(
        [`tmuxorch/${id}/edit`, `tmuxorch/${id}/_integration`].sort(),
      );
      expect(git(project, 'branch', '--list', `tmuxorch/${id}/*`)).toBe('');
      expect(await fleet.daemonPid()).toBeNull();
    } finally {
      expect((await fleet.run(['start'])).exitCode).toBe(0);
    }
  });

  it('fails the merge, naming why, when main moved under its gate; a resume merges onto the new main', async () => {
    const project = await gitProject(join(fleet.home.dir, 'moved'));
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: moving
roles: { coder: { agent: sim } }
steps:
  edit: { role: coder, prompt: "write b.txt: from the run" }
  merge: { needs: edit, merge: { steps: [edit] } }
`,
    );
    const id = await startFlow(fleet, file, project);
    await waitForFlow(
      fleet,
      id,
      (run) => stepOf(run, 'merge').gate?.state === 'waiting',
      'the merge asks to move main',
    );
    await writeFile(join(project, 'c.txt'), 'meanwhile\n');
    git(project, 'add', 'c.txt');
    git(project, 'commit', '-q', '-m', 'meanwhile on main');
    expect((await fleet.run(['flow', 'approve', id, 'merge'])).exitCode).toBe(0);
    const failed = await waitForFlow(fleet, id);
    expect(failed.status).toBe('failed');
    expect(stepOf(failed, 'merge').reason).toMatch(/fast-forward/);
    expect((await fleet.run(['flow', 'resume', id])).exitCode).toBe(0);
    await waitForFlow(
      fleet,
      id,
      (run) => stepOf(run, 'merge').gate?.state === 'waiting',
      'the new merge asks',
    );
    expect((await fleet.run(['flow', 'approve', id, 'merge'])).exitCode).toBe(0);
    expect((await waitForFlow(fleet, id)).status).toBe('succeeded');
    expect(git(project, 'log', '--format=%s', 'main')).toContain('meanwhile on main');
    expect(git(project, 'show', 'main:b.txt')).toBe('from the run');
  });

  it('edits a copy of a project that is not a git repository when the step says workspace: copy', async () => {
    const project = await fleet.home.project('no-git');
    await writeFile(join(project, 'a.txt'), 'original\n');
    const refusing = await writeWorkflow(
      fleet,
      `schema_version: 1
name: needs-git
roles: { coder: { agent: sim } }
steps:
  edit: { role: coder, prompt: "write a.txt: changed" }
`,
    );
    const refused = await fleet.run(['flow', 'run', refusing, '--project', project]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /is not a git repository: step edit edits files, so it needs one \(or workspace: copy\)/,
    );
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: copied
roles: { coder: { agent: sim } }
steps:
  edit: { role: coder, prompt: "write a.txt: changed", workspace: copy }
`,
    );
    const id = await startFlow(fleet, file, project);
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('succeeded');
    expect(await readFile(join(project, 'a.txt'), 'utf8')).toBe('original\n');
    const patch = await readFile(join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'patch.diff'), 'utf8');
    expect(patch).toMatch(/-original\n\+changed/);
  });

  it('resumes a failed run from the step that failed; what succeeded is not run again', async () => {
    const project = await fleet.home.project('resume');
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: resumable
steps:
  first:
    run: echo first >> "\${{ run.dir }}/ran"
  gated:
    needs: first
    run: test -f "\${{ run.dir }}/go"
`,
    );
    const id = await startFlow(fleet, file, project);
    expect((await waitForFlow(fleet, id)).status).toBe('failed');
    await writeFile(join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'go'), '');
    const resumed = await fleet.run(['--json', 'flow', 'resume', id, '--wait']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'first').attempts).toBe(1);
    expect(stepOf(run, 'gated').attempts).toBe(2);
  });

  it('does not reuse a finished step whose inputs changed since it ran: it waits at a gate on resume', async () => {
    const project = await fleet.home.project('diverged');
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: diverging
steps:
  make:
    run: echo first > "\${{ step.dir }}/art.txt"
    outputs: { art: art.txt }
  use:
    needs: make
    run: echo "read \${{ steps.make.outputs.art.text }}"
  last:
    needs: use
    run: test -f "\${{ run.dir }}/go"
`,
    );
    const id = await startFlow(fleet, file, project);
    const failed = await waitForFlow(fleet, id);
    expect(failed.status).toBe('failed');
    await writeFile(stepOf(failed, 'make').outputs.art ?? '', 'second\n');
    await writeFile(join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'go'), '');
    expect((await fleet.run(['flow', 'resume', id])).exitCode).toBe(0);
    const asked = await waitForFlow(
      fleet,
      id,
      (run) => run.status === 'awaiting_approval',
      'the changed step asks',
    );
    expect(stepOf(asked, 'use').gate).toMatchObject({ state: 'waiting', kind: 'diverged' });
    expect(stepOf(asked, 'make').gate).toBeNull();
    expect((await fleet.run(['flow', 'deny', id, 'use', '--reason', 'run it again'])).exitCode).toBe(0);
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'make').attempts).toBe(1);
    expect(stepOf(run, 'use').attempts).toBe(2);
  });

  it('runs again, once, a step that tmux kill-server cut off', async () => {
    const project = await fleet.home.project('outage');
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: outage
steps:
  slow:
    run: sleep 2; echo done
`,
    );
    const id = await startFlow(fleet, file, project);
    await waitForFlow(fleet, id, (run) => stepOf(run, 'slow').status === 'running', 'slow runs');
    await fleet.tmux.tmux('kill-server');
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('succeeded');
    // The fleet ran its task again (the same attempt of the step, its task re-queued once).
    expect(stepOf(run, 'slow').attempts).toBe(1);
  });
});
