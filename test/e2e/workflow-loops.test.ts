// Loops end with a verdict, never silently: one that converges, one that hits its cap, one that
// makes no progress (the same failure twice in a row); a step's own retry; a run interrupted by
// kill -9 of the daemon mid-step carries on from where it was, nothing run twice; a bad workflow
// file is refused with file:line:col and starts nothing.
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Fleet } from '../../src/index.js';
import type { CliFleet } from '../helpers/cli.js';
import { useFlowFleet } from './workflow-fleet.js';
import { waitFor } from '../helpers/wait-for.js';
import { failsUntil, startFlow, stepOf, waitForFlow, writeWorkflow } from '../helpers/workflow-runs.js';
import { isRunning } from './support.js';
import { gitProject } from '../helpers/git-project.js';

// A step that fails until its n-th run (each run says which attempt it is, so it makes progress).
const counting = (passAt: number, max: number): string => `schema_version: 1
name: counting
steps:
  until-green:
    loop: { steps: [try], until: "steps.try.status == 'succeeded'", max_iterations: ${max} }
  try:
    run: ${failsUntil(passAt)}
`;

// Two shell steps, the first long enough for a test to break something under the run.
const twoSteps = (name: string): string => `schema_version: 1
name: ${name}
steps:
  first:
    run: sleep 1
  second:
    needs: first
    run: "true"
`;

describe('workflow loops and restarts', () => {
  let fleet: CliFleet;
  let project = '';
  useFlowFleet((made, plain) => ((fleet = made), (project = plain)));

  it('runs through the Fleet API too: runWorkflow, then waitWorkflow with every change', async () => {
    const api = await Fleet.connect({ env: fleet.env });
    try {
      const started = await api.runWorkflow(await writeWorkflow(fleet, counting(2, 4)), { project });
      const seen: string[] = [];
      const done = await api.waitWorkflow(started.id, (run) =>
        seen.push(run.steps.find((s) => s.id === 'try')?.status ?? ''),
      );
      expect(done.status).toBe('succeeded');
      expect(seen.at(-1)).toBe('succeeded');
      expect((await api.workflows()).map((r) => r.id)).toContain(started.id);
    } finally {
      await api.close();
    }
  });

  it('converges once its until holds', async () => {
    const run = await waitForFlow(
      fleet,
      await startFlow(fleet, await writeWorkflow(fleet, counting(2, 4)), project),
    );
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'until-green')).toMatchObject({
      status: 'succeeded',
      verdict: 'converged',
      iteration: 2,
    });
    expect(stepOf(run, 'try')).toMatchObject({ status: 'succeeded', iteration: 2, attempts: 2 });
  });

  it('ends unresolved at its cap, and the run fails', async () => {
    const run = await waitForFlow(
      fleet,
      await startFlow(fleet, await writeWorkflow(fleet, counting(9, 3)), project),
    );
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'until-green')).toMatchObject({
      status: 'failed',
      verdict: 'unresolved_at_cap',
      iteration: 3,
    });
    expect(stepOf(run, 'until-green').reason).toMatch(/still failing after 3 iterations/);
  });

  it('ends with no_progress when an iteration fails as the one before did', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: stuck
steps:
  loop:
    loop: { steps: [same], until: "steps.same.status == 'succeeded'", max_iterations: 5 }
  same:
    run: echo "the same failure"; exit 3
`,
    );
    const run = await waitForFlow(fleet, await startFlow(fleet, file, project));
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'loop')).toMatchObject({ verdict: 'no_progress', iteration: 2 });
  });

  it("ends with no_progress when the coder's change is the same as the iteration before, though the test says something new", async () => {
    const repo = await gitProject(join(fleet.home.dir, 'same-diff'), { 'a.txt': 'a\n' });
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: same-change
roles: { coder: { agent: sim } }
steps:
  loop:
    loop: { steps: [fix, test], until: "steps.test.status == 'succeeded'", max_iterations: 5 }
  fix:
    role: coder
    prompt: "write a.txt: the same fix"
  test:
    needs: fix
    run: ${failsUntil(99)}
`,
    );
    const run = await waitForFlow(fleet, await startFlow(fleet, file, repo));
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'loop')).toMatchObject({ verdict: 'no_progress', iteration: 2 });
    expect(stepOf(run, 'loop').reason).toBe(
      'iteration 2 changed nothing new: the same diff as the one before',
    );
  });

  it('fails a step whose directory cannot be made, with the error: the run ends, it does not hang', async () => {
    const file = await writeWorkflow(fleet, twoSteps('broken-step-dir'));
    const id = await startFlow(fleet, file, project);
    // Where the second step's directory goes, a file: making steps/second/1 fails (ENOTDIR).
    const steps = join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'steps');
    await mkdir(steps, { recursive: true });
    await writeFile(join(steps, 'second'), 'in the way');
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'first').status).toBe('succeeded');
    expect(stepOf(run, 'second').status).toBe('failed');
    expect(stepOf(run, 'second').reason).toMatch(/ENOTDIR/);
  });

  it('ends the run failed when the controller cannot go on with it (its audit cannot be written), never leaving it running', async () => {
    const file = await writeWorkflow(fleet, twoSteps('broken-audit'));
    const id = await startFlow(fleet, file, project);
    const dir = join(String(fleet.env.TMUXORCH_HOME), 'flows', id);
    await rm(join(dir, 'audit.jsonl'), { force: true });
    await mkdir(join(dir, 'audit.jsonl'));
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/^the controller failed: .*EISDIR/);
    expect(run.steps.every((s) => s.status !== 'running' && s.status !== 'pending')).toBe(true);
    expect(await readFile(join(dir, 'logs.txt'), 'utf8')).toMatch(/error: .*EISDIR/);
  });

  it('retries a failing step as its on_failure says, then runs what needs it', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: retried
steps:
  flaky:
    run: ${failsUntil(3)}
    on_failure: { retry: 2 }
  next:
    needs: flaky
    run: "true"
`,
    );
    const run = await waitForFlow(fleet, await startFlow(fleet, file, project));
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'flaky').attempts).toBe(3);
  });

  it('carries on after kill -9 of the daemon mid-step: the step is collected, nothing runs twice', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: restart
steps:
  slow:
    run: sleep 3; echo once >> "\${{ run.dir }}/ran"
  next:
    needs: slow
    run: cat "\${{ run.dir }}/ran"
`,
    );
    const id = await startFlow(fleet, file, project);
    await waitForFlow(fleet, id, (run) => stepOf(run, 'slow').status === 'running', 'slow runs');
    const pid = (await fleet.daemonPid()) ?? 0;
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => !(await isRunning(pid)), { message: 'the old daemon is gone' });
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'slow').attempts).toBe(1);
    expect(stepOf(run, 'next').attempts).toBe(1);
  });

  it('passes an input to a command through env without running it as shell; refuses an input with no value', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: quoted
inputs:
  msg: {}
steps:
  say:
    env: { MSG: "\${{ inputs.msg }}" }
    run: printf '%s\\n' "$MSG" > "\${{ run.dir }}/said"
`,
    );
    const trap = join(fleet.home.dir, 'INJECTED');
    const hostile = `x"; touch ${trap}; echo "$(touch ${trap})`;
    const started = await fleet.run([
      '--json',
      'flow',
      'run',
      file,
      '--project',
      project,
      '--input',
      `msg=${hostile}`,
    ]);
    expect(started.exitCode, started.stdout).toBe(0);
    const run = await waitForFlow(fleet, (JSON.parse(started.stdout) as { id: string }).id);
    expect(run.status).toBe('succeeded');
    const said = await readFile(join(String(fleet.env.TMUXORCH_HOME), 'flows', run.id, 'said'), 'utf8');
    expect(said).toBe(`${hostile}\n`);
    await expect(access(trap)).rejects.toThrow();
    const refused = await fleet.run(['flow', 'run', file, '--project', project]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/input msg has no value and step say reads it/);
  });

  it('fails a step whose declared output is missing, invalid against its schema, or leads outside its directory', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: outputs
steps:
  missing:
    run: "true"
    outputs: { report: report.txt }
  invalid:
    run: |
      echo '{"verdict": "maybe"}' > "\${{ step.dir }}/review.json"
    outputs:
      review: { path: review.json, schema: { type: object, properties: { verdict: { enum: [approve, reject] } } } }
  escaping:
    run: ln -s /etc/hostname "\${{ step.dir }}/host.txt"
    outputs: { host: host.txt }
`,
    );
    const run = await waitForFlow(fleet, await startFlow(fleet, file, project));
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'missing').reason).toBe('output report (report.txt) is missing');
    expect(stepOf(run, 'invalid').reason).toMatch(
      /^output review \(review\.json\) does not match its schema at \/verdict/,
    );
    expect(stepOf(run, 'escaping').reason).toBe('output host (host.txt) leads outside the step directory');
  });

  it('refuses a step named like an instance of a matrix step', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: clash
steps:
  s: { matrix: { n: [1, 2] }, run: "true" }
  s-1: { run: "true" }
`,
    );
    const refused = await fleet.run(['flow', 'run', file, '--project', project]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/steps\.s-1: is named like an instance of the matrix step s/);
  });

  it('refuses a bad workflow file with file:line:col and the field, and starts nothing', async () => {
    const before = await fleet.json<{ runs: unknown[] }>(['flow', 'list']);
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: bad
steps:
  a:
    run: echo hi
    bogus: 1
  b:
    needs: nowhere
    run: echo \${{ inputs.missing }}
`,
    );
    const refused = await fleet.run(['flow', 'run', file, '--project', project]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`${file}:6:5`);
    expect(refused.stderr).toMatch(/steps\.a.*bogus/);
    const validate = await fleet.run(['flow', 'validate', file]);
    expect(validate.exitCode).toBe(2);
    const after = await fleet.json<{ runs: unknown[] }>(['flow', 'list']);
    expect(after.body.runs).toHaveLength(before.body.runs.length);
    const missing = await fleet.run(['flow', 'status', 'rnothere']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/no workflow run rnothere/);
  });
});
