// A workflow step's role, enforced around the step: a reviewer that changed code anyway fails as
// policy_violation and its change stays on its branch, never merged; a tester's worktree refuses
// a commit from a plain shell (its git hooks); an `ask` waits for `flow approve` in manual mode
// and is denied in auto mode; a planted key in a step's patch is redacted and flagged; every
// decision is in the run's audit.jsonl.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { useCliFleet } from './cli-fleets.js';
import { git, gitProject } from '../helpers/git-project.js';
import { waitFor } from '../helpers/wait-for.js';
import { startFlow, stepOf, waitForFlow, writeWorkflow } from '../helpers/workflow-runs.js';

interface AuditLine {
  event: string;
  step?: string;
  [key: string]: unknown;
}

async function auditOf(fleet: CliFleet, id: string): Promise<AuditLine[]> {
  const text = await readFile(join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'audit.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditLine);
}

// A key of Anthropic's shape, made up for the test.
const PLANTED = `sk-ant-api03-${'Q7x9'.repeat(20)}AA`;

describe('workflow roles', () => {
  let fleet: CliFleet;
  useCliFleet((made) => (fleet = made), { start: true });

  it('fails a reviewer that changed code as policy_violation, keeps the change on its branch and never merges it', async () => {
    const project = await gitProject(join(fleet.home.dir, 'review'), { 'src/a.js': 'base\n' });
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: sneaky-review
roles:
  reviewer: { agent: shell, edits: false, rules: ["bash allow node *"] }
steps:
  review:
    role: reviewer
    run: node -e "require('fs').writeFileSync('src/a.js', 'rewritten by the reviewer\\\\n')"
  merge:
    needs: review
    merge: { steps: [review] }
`,
    );
    const id = await startFlow(fleet, file, project);
    const run = await waitForFlow(fleet, id);
    const review = stepOf(run, 'review') as ReturnType<typeof stepOf> & { violations?: string[] };
    expect(run.status).toBe('failed');
    expect(review.status).toBe('failed');
    expect(review.reason).toMatch(/^policy_violation: role reviewer changed what it may not: src\/a\.js \(/);
    expect(review.violations).toEqual(['src/a.js']);
    expect(stepOf(run, 'merge').status).not.toBe('succeeded');
    // Kept on the step's branch for inspection; main is untouched.
    const branch = `tmuxorch/${id}/review`;
    expect(git(project, 'show', `${branch}:src/a.js`)).toBe('rewritten by the reviewer');
    expect(git(project, 'show', 'main:src/a.js')).toBe('base');
    const audit = await auditOf(fleet, id);
    expect(audit.find((l) => l.event === 'step_ended' && l.step === 'review')).toMatchObject({
      status: 'failed',
      violations: ['src/a.js'],
    });
    // The command itself was allowed by the extra rule, and that decision is in the audit too.
    expect(audit).toContainEqual(
      expect.objectContaining({
        event: 'policy_decision',
        step: 'review',
        effect: 'allow',
        rule: 'bash allow node *',
      }),
    );
    const report = await readFile(
      join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'steps', 'review', '1', 'report.md'),
      'utf8',
    );
    expect(report).toContain('policy violation: src/a.js (kept on its branch, never merged)');
  });

  it('sees what a step wrote where git ignores it (a build dir, .env): policy_violation, though no commit holds it', async () => {
    const project = await gitProject(join(fleet.home.dir, 'ignored'), {
      '.gitignore': 'build/\n.env\n',
      'src/a.js': 'base\n',
    });
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: ignored-writes
roles:
  reviewer: { agent: shell, edits: false, rules: ["bash allow node *"] }
steps:
  review:
    role: reviewer
    run: node -e "const fs=require('fs'); fs.mkdirSync('build'); fs.writeFileSync('build/out.txt', 'x'); fs.writeFileSync('.env', 'K=v')"
`,
    );
    const run = await waitForFlow(fleet, await startFlow(fleet, file, project));
    const review = stepOf(run, 'review') as ReturnType<typeof stepOf> & { violations?: string[] };
    expect(review.status).toBe('failed');
    expect(review.violations).toEqual(['.env', 'build/out.txt']);
    expect(review.reason).toMatch(/^policy_violation: role reviewer changed what it may not: /);
  });

  it("refuses a commit in a tester's worktree from a plain shell, with and without --no-verify", async () => {
    const project = await gitProject(join(fleet.home.dir, 'tester'));
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: tester-commits
roles:
  tester: { agent: shell, edits: false }
steps:
  test:
    role: tester
    run: ls
  hold:
    needs: test
    gate: { message: look at the worktree }
`,
    );
    const id = await startFlow(fleet, file, project);
    await waitForFlow(fleet, id, (run) => run.status === 'awaiting_approval', 'the run holds at its gate');
    const worktree = join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'worktrees', 'test');
    for (const noVerify of [[], ['--no-verify']]) {
      const commit = spawnSync(
        'sh',
        ['-c', `echo x >> a.txt && git commit -qam sneaky ${noVerify.join(' ')}`],
        {
          cwd: worktree,
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 't',
            GIT_AUTHOR_EMAIL: 't@l',
            GIT_COMMITTER_NAME: 't',
            GIT_COMMITTER_EMAIL: 't@l',
          },
        },
      );
      expect(commit.status, commit.stderr).not.toBe(0);
      expect(commit.stderr).toContain('tmuxorch: role tester may not commit');
    }
    // The project's own checkout is not guarded.
    expect(() => git(project, 'commit', '-q', '--allow-empty', '-m', 'mine')).not.toThrow();
    expect((await fleet.run(['flow', 'deny', id, '--reason', 'seen'])).exitCode).toBe(0);
  });

  it('waits for flow approve on what the role asks about in manual mode, and denies it in auto mode', async () => {
    const project = await gitProject(join(fleet.home.dir, 'asks'), { 'build/x.o': 'obj\n', 'a.txt': 'a\n' });
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: cleanup
roles:
  coder: { agent: shell }
steps:
  clean:
    role: coder
    run: rm -rf build
`,
    );
    const manual = await startFlow(fleet, file, project);
    await waitFor(
      async () => {
        const { body } = await fleet.json<{ name: string; state: string; awaitingApproval: string | null }[]>(
          ['list'],
        );
        return body.find((w) => w.name === `${manual}-clean` && w.state === 'awaiting_approval') ?? null;
      },
      { timeoutMs: 30_000, message: 'the step waits for approval' },
    );
    const approved = await fleet.run(['flow', 'approve', manual]);
    expect(approved.exitCode, approved.stderr).toBe(0);
    expect((await waitForFlow(fleet, manual)).status).toBe('succeeded');
    const manualAudit = await auditOf(fleet, manual);
    expect(manualAudit).toContainEqual(
      expect.objectContaining({ event: 'policy_decision', effect: 'ask', rule: 'bash ask rm -rf *' }),
    );
    expect(manualAudit).toContainEqual(
      expect.objectContaining({ event: 'policy_decision', what: 'approval', effect: 'allow', by: 'person' }),
    );
    const auto = await startFlow(fleet, file, project, ['--mode', 'auto']);
    const denied = await waitForFlow(fleet, auto);
    expect(denied.status).toBe('failed');
    expect(stepOf(denied, 'clean').reason).toMatch(/asks about "rm -rf build"; in auto mode nobody answers/);
  });

  it('redacts a key planted in a step patch and flags the step in its report and the audit', async () => {
    const project = await gitProject(join(fleet.home.dir, 'secrets'));
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: leaky
roles:
  coder: { agent: shell }
steps:
  leak:
    role: coder
    run: echo "ANTHROPIC_KEY_COPY=${PLANTED}" > config.txt
`,
    );
    const id = await startFlow(fleet, file, project);
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('succeeded');
    const dir = join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'steps', 'leak', '1');
    const patch = await readFile(join(dir, 'patch.diff'), 'utf8');
    expect(patch).toContain('config.txt');
    expect(patch).not.toContain(PLANTED);
    expect(patch).toContain('***');
    expect(await readFile(join(dir, 'report.md'), 'utf8')).toMatch(
      /secrets: \d+ found in what it left, redacted/,
    );
    expect((await auditOf(fleet, id)).find((l) => l.event === 'step_ended')).toMatchObject({
      secretsRedacted: expect.any(Number),
    });
  });
});
