// Enforced roles through the CLI, first and second layers: the commands tmuxorch types into a
// shell worker are checked against its role before they are typed (a deny ends the task denied
// and nothing reaches the pane; an ask holds the worker's queue at awaiting_approval until
// `tmuxorch approve` / `deny`), an agent profile whose arguments cancel a role's rules is refused
// at add-worker, and `tmuxorch roles` / `roles show` say how each layer holds a role. One fleet
// for the file, with a config.json whose sim profile carries a bypass flag for the reviewer.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RoleView } from '../../src/domain/policy/enforcement.js';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  addShell,
  expectFailure,
  expectOk,
  runJson,
  status,
  workerView,
  type TaskResult,
  type WorkerView,
} from './support.js';
import { sendTask, sendWait, waitResult } from './task-commands.js';
import { useCliFleet } from './cli-fleets.js';

// A command a tester's rules ask about (no rule covers node) that makes a file once it runs:
// `touch` would be an edit, which a tester is denied outright.
const make = (file: string): string => `node -e "require('fs').writeFileSync('${file}', '')"`;
// The same command as the rules read it (its words unquoted).
const readAs = (file: string): string => `node -e require('fs').writeFileSync('${file}', '')`;

const BUILT_INS = ['planner', 'coder', 'tester', 'reviewer', 'security', 'integrator'];
const LAYERS = ['commands', 'cli-flags', 'tool-hook', 'git', 'diff-audit', 'sandbox'];

async function addRoleShell(fleet: CliFleet, name: string, role: string): Promise<WorkerView> {
  const body = await addShell(fleet, name, role);
  expect(body).toMatchObject({ awaitingApproval: null, sandboxed: false });
  return body;
}

async function taskStatus(fleet: CliFleet, id: string): Promise<TaskResult> {
  return (await runJson<TaskResult>(fleet, ['result', id])).body;
}

// The worker once it shows awaiting_approval.
function awaiting(fleet: CliFleet, name: string): Promise<WorkerView> {
  return waitFor(
    async () => {
      const w = await workerView(fleet, name);
      return w.state === 'awaiting_approval' ? w : null;
    },
    { message: `${name} awaits approval` },
  );
}

describe('layer 1: the commands sent to a shell worker with a role', () => {
  let fleet: CliFleet;
  let tester: WorkerView;

  useCliFleet(async (made) => {
    fleet = made;
    await expectOk(fleet, ['start']);
    tester = await addRoleShell(fleet, 'checked', 'tester');
  });

  it('an allowed command runs as any task does', async () => {
    await writeFile(join(tester.project, 'present.txt'), '');
    const { exitCode, body } = await sendWait(fleet, 'checked', 'ls');
    expect(exitCode, JSON.stringify(body)).toBe(0);
    expect(body).toMatchObject({ status: 'succeeded', exitCode: 0, output: 'present.txt\n' });
    // A test command too: it runs (and fails as npm does without a package.json).
    const npm = await sendWait(fleet, 'checked', 'npm test');
    expect(npm.body.status, JSON.stringify(npm.body)).toBe('failed');
    expect(npm.body.output).toMatch(/package\.json/);
  });

  it('a denied command ends denied with the rule in its reason, and is never typed', async () => {
    const { exitCode, body } = await sendWait(fleet, 'checked', 'git commit -am never-typed-x');
    expect(exitCode, JSON.stringify(body)).toBe(1);
    expect(body).toMatchObject({ status: 'denied', exitCode: null, startedAt: null });
    expect(body.reason).toBe(
      'role tester: rule "bash deny git commit *" denies "git commit -am never-typed-x"',
    );
    // Neither the pane log nor the screen ever saw it; the worker takes the next task.
    const after = await sendWait(fleet, 'checked', 'echo after-the-denial');
    expect(after.body.status).toBe('succeeded');
    const log = (await expectOk(fleet, ['logs', 'checked'])).stdout;
    expect(log).toContain('after-the-denial');
    expect(log).not.toContain('never-typed-x');
    expect((await expectOk(fleet, ['capture', 'checked'])).stdout).not.toContain('never-typed-x');
    // A command line is read part by part: the strictest part decides.
    const chained = await sendWait(fleet, 'checked', 'ls && git commit -m chained-x');
    expect(chained.body.status).toBe('denied');
    expect(chained.body.reason).toContain('"git commit -m chained-x"');
    expect((await expectOk(fleet, ['logs', 'checked'])).stdout).not.toContain('chained-x');
    expect((await workerView(fleet, 'checked')).state).toBe('idle');
  });

  it('an asked command waits for a person, nothing overtakes it; approve runs it', async () => {
    const asked = await sendTask(fleet, 'checked', make('approved.txt'));
    const worker = await awaiting(fleet, 'checked');
    const question = `role tester: no rule (the default for bash) asks about "${readAs('approved.txt')}"`;
    expect(worker.awaitingApproval).toBe(question);
    const behind = await sendTask(fleet, 'checked', 'echo behind-the-ask');
    // status --json shows the same, and both tasks are still queued: the second did not overtake.
    const shown = (await status(fleet)).workers.find((w) => w.name === 'checked');
    expect(shown).toMatchObject({ state: 'awaiting_approval', awaitingApproval: question, queued: 2 });
    expect((await taskStatus(fleet, asked)).status).toBe('queued');
    expect((await taskStatus(fleet, behind)).status).toBe('queued');
    expect(existsSync(join(tester.project, 'approved.txt'))).toBe(false);
    expect((await expectOk(fleet, ['logs', 'checked'])).stdout).not.toContain('approved.txt');

    const approved = await runJson<WorkerView>(fleet, ['approve', 'checked']);
    expect(approved.exitCode, approved.run.stderr).toBe(0);
    expect(approved.body.awaitingApproval).toBeNull();
    const [first, second] = await Promise.all([waitResult(fleet, asked), waitResult(fleet, behind)]);
    expect(first.result).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(second.result).toMatchObject({ status: 'succeeded', output: 'behind-the-ask\n' });
    expect(Date.parse(second.result.startedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(first.result.finishedAt ?? ''),
    );
    expect(existsSync(join(tester.project, 'approved.txt'))).toBe(true);
    expect(await workerView(fleet, 'checked')).toMatchObject({ state: 'idle', awaitingApproval: null });
  });

  it('an asked command a person denies ends denied, with "a person denied it"', async () => {
    const asked = await sendTask(fleet, 'checked', make('refused-by-hand.txt'));
    await awaiting(fleet, 'checked');
    await expectOk(fleet, ['deny', 'checked']);
    const { exitCode, result } = await waitResult(fleet, asked);
    expect(exitCode).toBe(1);
    expect(result.status).toBe('denied');
    expect(result.reason).toBe(
      `a person denied it: role tester: no rule (the default for bash) asks about "${readAs('refused-by-hand.txt')}"`,
    );
    expect(existsSync(join(tester.project, 'refused-by-hand.txt'))).toBe(false);
    expect((await expectOk(fleet, ['logs', 'checked'])).stdout).not.toContain('refused-by-hand');
    expect(await workerView(fleet, 'checked')).toMatchObject({ state: 'idle', awaitingApproval: null });
    // Nothing waits now: approve says so, as a usage error.
    await expectFailure(fleet, ['approve', 'checked'], 'USAGE', 2);
  });

  it('what a person approved goes first: a task of a higher priority queued behind it does not overtake it', async () => {
    const asked = await sendTask(fleet, 'checked', make('first.txt'));
    await awaiting(fleet, 'checked');
    const urgent = await sendTask(fleet, 'checked', make('urgent.txt'), ['--priority', 'critical']);
    // Still waiting on the first: the urgent one is not even looked at yet.
    expect((await workerView(fleet, 'checked')).awaitingApproval).toContain(`"${readAs('first.txt')}"`);
    await expectOk(fleet, ['approve', 'checked']);
    expect((await waitResult(fleet, asked)).result.status).toBe('succeeded');
    expect(existsSync(join(tester.project, 'first.txt'))).toBe(true);
    // Then the urgent one is asked about in its turn (the approval was not spent on it).
    const next = await awaiting(fleet, 'checked');
    expect(next.awaitingApproval).toContain(`"${readAs('urgent.txt')}"`);
    expect((await taskStatus(fleet, urgent)).status).toBe('queued');
    await expectOk(fleet, ['deny', 'checked']);
    expect((await waitResult(fleet, urgent)).result.status).toBe('denied');
    expect(existsSync(join(tester.project, 'urgent.txt'))).toBe(false);
  });

  it('cancelling the asked task ends the wait: the task behind it runs', async () => {
    const asked = await sendTask(fleet, 'checked', make('never-asked-again.txt'));
    await awaiting(fleet, 'checked');
    const behind = await sendTask(fleet, 'checked', 'echo after-the-cancel');
    await expectOk(fleet, ['cancel', asked]);
    const { result } = await waitResult(fleet, behind);
    expect(result).toMatchObject({ status: 'succeeded', output: 'after-the-cancel\n' });
    expect((await taskStatus(fleet, asked)).status).toBe('cancelled');
    expect(await workerView(fleet, 'checked')).toMatchObject({ state: 'idle', awaitingApproval: null });
    expect(existsSync(join(tester.project, 'never-asked-again.txt'))).toBe(false);
  });

  it("a coder's sensitive command asks by its rule; approved, it runs", async () => {
    const coder = await addRoleShell(fleet, 'coding', 'coder');
    await mkdir(join(coder.project, 'build', 'deep'), { recursive: true });
    const asked = await sendTask(fleet, 'coding', 'rm -rf build');
    const worker = await awaiting(fleet, 'coding');
    expect(worker.awaitingApproval).toBe('role coder: rule "bash ask rm -rf *" asks about "rm -rf build"');
    expect(existsSync(join(coder.project, 'build'))).toBe(true);
    await expectOk(fleet, ['approve', 'coding']);
    expect((await waitResult(fleet, asked)).result.status).toBe('succeeded');
    expect(existsSync(join(coder.project, 'build'))).toBe(false);
    // Its push is denied outright.
    const push = await sendWait(fleet, 'coding', 'git push origin main');
    expect(push.body).toMatchObject({ status: 'denied' });
    expect(push.body.reason).toContain('rule "bash deny git push *"');
  });
});

describe('layer 2 and the roles: refused bypass flags, roles and roles show', () => {
  let fleet: CliFleet;

  useCliFleet(async (made) => {
    fleet = made;
    await mkdir(join(fleet.home.dir, 'home'), { recursive: true });
    await writeFile(
      join(fleet.home.dir, 'home', 'config.json'),
      JSON.stringify({ agents: { sim: { roleArgs: { reviewer: ['--dangerously-skip-permissions'] } } } }),
    );
    await expectOk(fleet, ['start']);
  });

  it('add-worker with a profile whose role arguments cancel the rules fails, and makes nothing', async () => {
    const project = await fleet.home.project('bypass');
    const args = [
      'add-worker',
      '--type',
      'sim',
      '--project',
      project,
      '--name',
      'bypass',
      '--role',
      'reviewer',
    ];
    const error = await expectFailure(fleet, args, 'POLICY_REFUSED', 1, { plain: true });
    expect(error.message).toBe(
      "sim --dangerously-skip-permissions cancels role reviewer's rules: remove it from the profile or the worker's arguments",
    );
    const plain = await fleet.run(args);
    expect(plain.stderr).toContain('--dangerously-skip-permissions');
    const listed = await runJson<WorkerView[]>(fleet, ['list']);
    expect(listed.body.map((w) => w.name)).not.toContain('bypass');
    const windows = await fleet.tmux.tmux('list-windows', '-t', fleet.session, '-F', '#{window_name}');
    expect(windows.split('\n')).not.toContain('bypass');
    // Another role, without the flag, is let in.
    const ok = await runJson<WorkerView>(fleet, [
      'add-worker',
      '--type',
      'sim',
      '--project',
      project,
      '--name',
      'no-bypass',
      '--role',
      'planner',
    ]);
    expect(ok.exitCode, ok.run.stderr).toBe(0);
    expect(ok.body).toMatchObject({ role: 'planner', state: 'idle' });
  });

  it('roles --json lists the six built-in roles', async () => {
    const { exitCode, body } = await runJson<RoleView[]>(fleet, ['roles']);
    expect(exitCode).toBe(0);
    expect(body.map((r) => r.name)).toEqual(BUILT_INS);
    for (const role of body) {
      expect(role.rules.length).toBeGreaterThan(0);
      expect(role.layers).toEqual([]);
    }
    const plain = await expectOk(fleet, ['roles']);
    for (const name of BUILT_INS) expect(plain.stdout).toMatch(new RegExp(`^${name}\\b`, 'm'));
  });

  it('roles show reviewer --type claude: every layer, the tool hook enforced; --type codex: none', async () => {
    const claude = await runJson<RoleView>(fleet, ['roles', 'show', 'reviewer', '--type', 'claude']);
    expect(claude.exitCode, claude.run.stderr).toBe(0);
    expect(claude.body).toMatchObject({ name: 'reviewer', type: 'claude', sandbox: false });
    expect(claude.body.layers.map((l) => l.layer)).toEqual(LAYERS);
    const layer = (view: RoleView, name: string) => view.layers.find((l) => l.layer === name);
    expect(layer(claude.body, 'tool-hook')?.holds).toBe('enforced');
    expect(layer(claude.body, 'cli-flags')?.what).toContain('--disallowedTools=');
    expect(layer(claude.body, 'git')?.what).toContain('commit deny, push deny');
    const codex = await runJson<RoleView>(fleet, ['roles', 'show', 'reviewer', '--type', 'codex']);
    expect(codex.exitCode).toBe(0);
    expect(codex.body.layers.map((l) => l.layer)).toEqual(LAYERS);
    expect(layer(codex.body, 'tool-hook')?.holds).toBe('none');
    expect(layer(codex.body, 'cli-flags')?.what).toContain('sandbox_mode="read-only"');
    // What the tests of each CLI's hook prove (policy-hooks, policy-opencode, policy-gemini).
    for (const [type, holds] of [
      ['sim', 'enforced'],
      ['opencode', 'enforced'],
      ['gemini', 'partial'],
      ['aider', 'none'],
    ] as const) {
      const view = await runJson<RoleView>(fleet, ['roles', 'show', 'reviewer', '--type', type]);
      expect(layer(view.body, 'tool-hook')?.holds, type).toBe(holds);
    }
    const plain = await expectOk(fleet, ['roles', 'show', 'reviewer', '--type', 'claude']);
    expect(plain.stdout).toMatch(/^reviewer: /);
    expect(plain.stdout).toContain('tool-hook');
  });

  it('roles show of an unknown role is a usage error of one sentence', async () => {
    const error = await expectFailure(fleet, ['roles', 'show', 'nope'], 'USAGE', 2, { plain: true });
    expect(error.message).toMatch(/^no role is named nope \(roles: planner, coder, tester/);
    await expectFailure(fleet, ['roles', 'show', 'reviewer', '--type', 'nope'], 'USAGE', 2);
  });
});

describe('roles without a daemon', () => {
  let fleet: CliFleet;
  useCliFleet((made) => {
    fleet = made;
  });
  it('roles and roles show answer from config.json alone', async () => {
    const { exitCode, body } = await runJson<RoleView[]>(fleet, ['roles']);
    expect(exitCode).toBe(0);
    expect(body.map((r) => r.name)).toEqual(BUILT_INS);
    expect(await fleet.daemonPid()).toBeNull();
  });
});
