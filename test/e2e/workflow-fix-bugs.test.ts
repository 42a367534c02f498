// The example workflow end to end, with the built CLI, the daemon and the sim agent: a planner's
// plan.md, two coders in parallel worktrees, the math test failing on the first try and its
// output going back to the same coder, a reviewer's review.json checked against its schema, the
// gate, the merge verified and main moved. Then what it left: the run directory's layout, an
// audit chain that verifies (and stops verifying once a line is edited), both fixes on main.
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/workflows');
const WORKFLOW = join(EXAMPLES, 'fix-bugs.yaml');

interface StepJson {
  id: string;
  status: string;
  attempts: number;
  iteration: number;
  verdict: string | null;
  worker: string | null;
  gate: { state: string; hashes: Record<string, string> } | null;
  outputs: Record<string, string>;
  branch: string | null;
}
interface RunJson {
  id: string;
  status: string;
  mode: string;
  steps: StepJson[];
}

function makeProject(dir: string): void {
  execFileSync('node', [join(EXAMPLES, 'make-project.mjs'), dir], { stdio: 'ignore' });
}

function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

describe('examples/workflows/fix-bugs.yaml on the sim agent', () => {
  let fleet: CliFleet;
  let project = '';
  let run: RunJson;

  beforeAll(async () => {
    fleet = await createCliFleet();
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    project = join(fleet.home.dir, 'buggy');
    makeProject(project);
    const started = await fleet.run(
      ['--json', 'flow', 'run', WORKFLOW, '--project', project, '--mode', 'auto', '--wait'],
      { timeoutMs: 170_000 },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    run = JSON.parse(started.stdout) as RunJson;
  }, 180_000);

  afterAll(async () => {
    await fleet.run(['stop', '--kill-workers']);
    await fleet.cleanup();
  });

  const step = (id: string): StepJson => {
    const found = run.steps.find((s) => s.id === id);
    if (!found) throw new Error(`no step ${id}`);
    return found;
  };

  it('succeeds: the math test failed once, went back to its coder, and the loop converged', () => {
    expect(run.status).toBe('succeeded');
    expect(step('plan')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(step('code-math')).toMatchObject({ status: 'succeeded', attempts: 2, iteration: 2 });
    expect(step('test-math')).toMatchObject({ status: 'succeeded', attempts: 2, iteration: 2 });
    expect(step('fix-math')).toMatchObject({ status: 'succeeded', verdict: 'converged', iteration: 2 });
    expect(step('code-text')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(step('fix-text')).toMatchObject({ verdict: 'converged', iteration: 1 });
    expect(step('approve').gate).toMatchObject({ state: 'approved' });
    expect(Object.keys(step('approve').gate?.hashes ?? {})).toHaveLength(2);
    expect(step('merge').status).toBe('succeeded');
  });

  it('leaves both fixes on main, whose own tests pass, and the coders on branches of their own', () => {
    expect(step('code-math').branch).toBe(`tmuxorch/${run.id}/code-math`);
    expect(step('code-text').branch).toBe(`tmuxorch/${run.id}/code-text`);
    expect(gitIn(project, 'branch', '--show-current')).toBe('main');
    expect(gitIn(project, 'status', '--porcelain')).toBe('');
    execFileSync('node', ['--test'], { cwd: project, stdio: 'ignore' });
    expect(gitIn(project, 'log', '--format=%s', 'main')).toContain(`tmuxorch ${run.id}: code-math`);
  });

  it('hands the failing output back to the same conversation', async () => {
    const flows = join(String(fleet.env.TMUXORCH_HOME), 'flows', run.id);
    const rework = await readFile(join(flows, 'steps', 'code-math', '2', 'prompt.txt'), 'utf8');
    expect(rework).toContain('write src/math.js');
    const audit = (await readFile(join(flows, 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const starts = audit.filter((l) => l.event === 'step_started' && l.step === 'code-math');
    expect(starts).toHaveLength(2);
    expect(starts[1]?.worker).toBe(starts[0]?.worker);
    // The same conversation: the agent's session id of both attempts is one.
    const ends = audit.filter((l) => l.event === 'step_ended' && l.step === 'code-math');
    expect(ends).toHaveLength(2);
    expect(ends[0]?.agentSessionId).toEqual(expect.any(String));
    expect(ends[1]?.agentSessionId).toBe(ends[0]?.agentSessionId);
    expect(
      audit.some((l) => l.event === 'loop_iteration' && l.step === 'fix-math' && l.iteration === 2),
    ).toBe(true);
  });

  it('writes the run directory in its layout, with the declared outputs checked', async () => {
    const flows = join(String(fleet.env.TMUXORCH_HOME), 'flows', run.id);
    const files = await readdir(flows);
    for (const name of [
      'workflow.lock.json',
      'run.json',
      'result.json',
      'context.json',
      'report.md',
      'patch.diff',
      'audit.jsonl',
    ])
      expect(files, name).toContain(name);
    for (const name of ['prompt.txt', 'result.json', 'raw_output.txt', 'report.md', 'logs.txt', 'plan.md'])
      expect(await readdir(join(flows, 'steps', 'plan', '1')), name).toContain(name);
    expect(await readdir(join(flows, 'steps', 'code-math', '2'))).toContain('patch.diff');
    expect(step('plan').outputs.plan).toBe(join(flows, 'steps', 'plan', '1', 'plan.md'));
    const patch = await readFile(join(flows, 'patch.diff'), 'utf8');
    expect(patch).toContain('src/math.js');
    expect(patch).toContain('src/text.js');
  });

  it("removes the steps' workers once the run is done", async () => {
    const list = await fleet.json<{ name: string; state: string }[]>(['list']);
    expect(list.body.filter((w) => w.name.startsWith(run.id) && w.state !== 'stopped')).toEqual([]);
  });

  it('verifies its audit chain, and no longer once a line is edited', async () => {
    const ok = await fleet.run(['flow', 'audit', run.id, '--verify']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/intact/);
    const file = join(String(fleet.env.TMUXORCH_HOME), 'flows', run.id, 'audit.jsonl');
    const original = await readFile(file, 'utf8');
    const lines = original.split('\n');
    const verify = () => fleet.run(['flow', 'audit', run.id, '--verify']);
    // An edited line in the middle: the next line no longer follows from it.
    lines[3] = (lines[3] ?? '').replace('"event":"', '"event":"x');
    await writeFile(file, lines.join('\n'));
    const broken = await verify();
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toMatch(/broken at line 5/);
    // The last lines cut, the last line changed, a line added: the head run.json recorded says so.
    const whole = original.trimEnd().split('\n');
    await writeFile(file, `${whole.slice(0, -2).join('\n')}\n`);
    expect((await verify()).stdout).toMatch(/lines were cut/);
    await writeFile(
      file,
      `${[...whole.slice(0, -1), (whole.at(-1) ?? '').replace('succeeded', 'failed')].join('\n')}\n`,
    );
    expect((await verify()).exitCode).toBe(1);
    await writeFile(file, `${original}not json\n`);
    expect((await verify()).stdout).toMatch(/broken at line/);
    await writeFile(file, original);
    expect((await verify()).exitCode).toBe(0);
  });

  it('lists the run', async () => {
    const list = await fleet.json<{ runs: { id: string; status: string }[] }>(['flow', 'list']);
    expect(list.body.runs).toEqual([expect.objectContaining({ id: run.id, status: 'succeeded' })]);
  });

  it('reads the run from its files when no daemon runs: status, list, logs and audit', async () => {
    expect((await fleet.run(['stop'])).exitCode).toBe(0);
    const status = await fleet.json<RunJson>(['flow', 'status', run.id]);
    expect(status.exitCode).toBe(0);
    expect(status.body).toMatchObject({ id: run.id, status: 'succeeded' });
    const list = await fleet.json<{ runs: { id: string }[] }>(['flow', 'list']);
    expect(list.body.runs.map((r) => r.id)).toContain(run.id);
    expect((await fleet.run(['flow', 'audit', run.id, '--verify'])).exitCode).toBe(0);
    const logs = await fleet.run(['flow', 'logs', run.id, 'test-math']);
    expect(logs.stdout).toMatch(/pass 2/);
  });
});
