// Gates through the CLI: a gate waits for a person in manual mode and shows what it asks about
// with its hashes; an approval holds only for what was shown (a reworked artifact is shown again);
// deny and timeout fail it; auto mode passes only gates not marked required; a gate still waits
// after kill -9 of the daemon and a new start (only an explicit approve passes it).
import { rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { useFlowFleet } from './workflow-fleet.js';
import { waitFor } from '../helpers/wait-for.js';
import { isRunning } from './support.js';
import {
  failsUntil,
  flowStatus,
  startFlow,
  stepOf,
  waitForFlow,
  writeWorkflow,
} from '../helpers/workflow-runs.js';

const gated = (gate: string): string => `schema_version: 1
name: gated
steps:
  report:
    run: echo first version > "\${{ step.dir }}/report.txt"
    outputs: { report: report.txt }
  approve:
    needs: report
    gate: { message: ship it?, show: [steps.report.outputs.report]${gate} }
  after:
    needs: approve
    run: echo shipped
`;

const waiting = (run: { status: string }): boolean => run.status === 'awaiting_approval';

describe('workflow gates', () => {
  let fleet: CliFleet;
  let project = '';
  useFlowFleet((made, plain) => ((fleet = made), (project = plain)));

  it('waits in manual mode, refuses an approval of what changed since it was shown, then passes', async () => {
    const id = await startFlow(fleet, await writeWorkflow(fleet, gated('')), project);
    const run = await waitForFlow(fleet, id, waiting, 'the gate waits');
    const gate = stepOf(run, 'approve').gate;
    const [report] = Object.keys(gate?.hashes ?? {});
    expect(gate).toMatchObject({ state: 'waiting', kind: 'gate', message: 'ship it?' });
    expect(report).toBe(stepOf(run, 'report').outputs.report);
    expect(stepOf(run, 'after').status).toBe('pending');
    await writeFile(report ?? '', 'a second version\n');
    const refused = await fleet.run(['flow', 'approve', id]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/changed since step approve's gate showed it/);
    const shownAgain = stepOf(await flowStatus(fleet, id), 'approve').gate;
    expect(shownAgain?.state).toBe('waiting');
    expect(shownAgain?.hashes[report ?? '']).not.toBe(gate?.hashes[report ?? '']);
    const approved = await fleet.run(['flow', 'approve', id, 'approve', '--note', 'looked twice']);
    expect(approved.exitCode, approved.stderr).toBe(0);
    const done = await waitForFlow(fleet, id);
    expect(done.status).toBe('succeeded');
    expect(stepOf(done, 'after').status).toBe('succeeded');
  });

  it('asks again when rework changed what an approval was given for', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: reworked
roles: { writer: { agent: sim, edits: false } }
steps:
  make:
    role: writer
    prompt: "write \${{ step.dir }}/art.txt: first version"
    rework: "write \${{ step.dir }}/art.txt: reworked after \${{ failure.step }}"
    outputs: { art: art.txt }
  approve:
    needs: make
    gate: { message: ship it?, show: [steps.make.outputs.art] }
  check:
    needs: approve
    run: ${failsUntil(2)}
    on_failure: { handback: make }
`,
    );
    const id = await startFlow(fleet, file, project);
    const first = await waitForFlow(fleet, id, waiting, 'the gate waits');
    const shownFirst = stepOf(first, 'approve').gate?.hashes ?? {};
    expect((await fleet.run(['flow', 'approve', id])).exitCode).toBe(0);
    // check fails once; its output goes back to make, whose new artifact the gate shows again.
    const again = await waitForFlow(
      fleet,
      id,
      (run) => waiting(run) && stepOf(run, 'make').attempts === 2,
      'the gate asks again',
    );
    const shownAgain = stepOf(again, 'approve').gate?.hashes ?? {};
    expect(Object.values(shownAgain)).not.toEqual(Object.values(shownFirst));
    expect((await fleet.run(['flow', 'approve', id])).exitCode).toBe(0);
    const done = await waitForFlow(fleet, id);
    expect(done.status).toBe('succeeded');
    expect(stepOf(done, 'approve').attempts).toBe(2);
  });

  it('cannot pass a gate whose artifact is gone', async () => {
    const id = await startFlow(fleet, await writeWorkflow(fleet, gated('')), project);
    const run = await waitForFlow(fleet, id, waiting, 'the gate waits');
    await rm(stepOf(run, 'report').outputs.report ?? '');
    const refused = await fleet.run(['flow', 'approve', id]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/is missing: step approve's gate cannot pass without it/);
    expect((await fleet.run(['flow', 'deny', id, '--reason', 'gone'])).exitCode).toBe(0);
    expect((await waitForFlow(fleet, id)).status).toBe('failed');
  });

  it('fails the run when denied, with the reason', async () => {
    const id = await startFlow(fleet, await writeWorkflow(fleet, gated('')), project);
    await waitForFlow(fleet, id, waiting, 'the gate waits');
    expect((await fleet.run(['flow', 'deny', id, '--reason', 'not today'])).exitCode).toBe(0);
    const done = await waitForFlow(fleet, id);
    expect(done.status).toBe('failed');
    expect(stepOf(done, 'approve')).toMatchObject({ status: 'failed', reason: 'denied: not today' });
    expect(stepOf(done, 'after').status).toBe('skipped');
  });

  it('denies a gate whose timeout passes', async () => {
    const id = await startFlow(fleet, await writeWorkflow(fleet, gated(', timeout: 1s')), project);
    const done = await waitForFlow(fleet, id);
    expect(done.status).toBe('failed');
    expect(stepOf(done, 'approve').reason).toBe('the gate timed out: denied');
  });

  it('passes a gate in auto mode unless it is required', async () => {
    const auto = await startFlow(fleet, await writeWorkflow(fleet, gated('')), project, ['--mode', 'auto']);
    const passed = await waitForFlow(fleet, auto);
    expect(passed.status).toBe('succeeded');
    const required = await startFlow(fleet, await writeWorkflow(fleet, gated(', required: true')), project, [
      '--mode',
      'auto',
    ]);
    await waitForFlow(fleet, required, waiting, 'the required gate waits in auto mode');
    await fleet.run(['flow', 'cancel', required]);
    expect((await waitForFlow(fleet, required)).status).toBe('cancelled');
  });

  it('still waits after kill -9 of the daemon and a new start; an approve then passes it', async () => {
    const id = await startFlow(fleet, await writeWorkflow(fleet, gated('')), project);
    await waitForFlow(fleet, id, waiting, 'the gate waits');
    const pid = await fleet.daemonPid();
    expect(pid).not.toBeNull();
    process.kill(pid ?? 0, 'SIGKILL');
    await waitFor(async () => !(await isRunning(pid ?? 0)), { message: 'the old daemon is gone' });
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    const after = await flowStatus(fleet, id);
    expect(after.status).toBe('awaiting_approval');
    expect(stepOf(after, 'approve').gate?.state).toBe('waiting');
    expect((await fleet.run(['flow', 'approve', id])).exitCode).toBe(0);
    expect((await waitForFlow(fleet, id)).status).toBe('succeeded');
  });
});

describe('limits and failures that ask a person', () => {
  let fleet: CliFleet;
  let project = '';
  useFlowFleet((made, plain) => ((fleet = made), (project = plain)));

  it('pauses at a gate of its own when an agent-turn limit is reached; each approve allows as much again', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: limited
roles: { helper: { agent: sim, edits: false } }
limits: { agent_turns: 1 }
steps:
  one: { role: helper, prompt: first }
  two: { role: helper, prompt: second, needs: one }
  three: { role: helper, prompt: third, needs: two }
`,
    );
    const id = await startFlow(fleet, file, project);
    const paused = await waitForFlow(fleet, id, waiting, 'the run pauses at its limit');
    expect(paused.gate?.message).toMatch(/^agent_turns reached: 1 agent turns \(limit 1\)/);
    expect(stepOf(paused, 'one').status).toBe('succeeded');
    expect(stepOf(paused, 'two').status).toBe('pending');
    expect((await fleet.run(['flow', 'approve', id])).exitCode).toBe(0);
    const again = await waitForFlow(
      fleet,
      id,
      (run) => waiting(run) && stepOf(run, 'two').status === 'succeeded',
      'it pauses again',
    );
    expect(again.gate?.message).toMatch(/^agent_turns reached: 2 agent turns \(limit 2\)/);
    expect(stepOf(again, 'three').status).toBe('pending');
    expect((await fleet.run(['flow', 'approve', id])).exitCode).toBe(0);
    const done = await waitForFlow(fleet, id);
    expect(done.status).toBe('succeeded');
    expect(stepOf(done, 'three').status).toBe('succeeded');
  });

  it('opens its wall_time gate while a long step runs, not at the step end', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: slow
limits: { wall_time: 1s }
steps:
  long: { run: sleep 60 }
  after: { run: echo never, needs: long }
`,
    );
    const id = await startFlow(fleet, file, project);
    // Still running (its step is), and waiting at its limit gate: nothing new starts.
    const paused = await waitForFlow(
      fleet,
      id,
      (run) => run.gate?.state === 'waiting',
      'the run shows its limit',
    );
    expect(paused.gate?.message).toMatch(/^wall_time reached: the run has taken \d+ s \(limit 1 s\)/);
    expect(stepOf(paused, 'long').status).toBe('running');
    expect((await fleet.run(['flow', 'deny', id, '--reason', 'too slow'])).exitCode).toBe(0);
    const done = await waitForFlow(fleet, id);
    expect(['cancelled', 'failed']).toContain(done.status);
    expect(stepOf(done, 'after').status).not.toBe('succeeded');
  });

  it('puts a failed ask_human step to a person: approve runs it again, deny fails it', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: asking
steps:
  shaky:
    run: ${failsUntil(2)}
    on_failure: ask_human
`,
    );
    const id = await startFlow(fleet, file, project);
    const asked = await waitForFlow(fleet, id, waiting, 'the failed step asks');
    expect(stepOf(asked, 'shaky').gate).toMatchObject({ state: 'waiting', kind: 'ask_human' });
    expect((await fleet.run(['flow', 'approve', id])).exitCode).toBe(0);
    const done = await waitForFlow(fleet, id);
    expect(done.status).toBe('succeeded');
    expect(stepOf(done, 'shaky').attempts).toBe(2);

    const denied = await startFlow(
      fleet,
      await writeWorkflow(
        fleet,
        `schema_version: 1
name: asking-again
steps:
  never: { run: exit 4, on_failure: ask_human }
`,
      ),
      project,
    );
    await waitForFlow(fleet, denied, waiting, 'the failed step asks');
    expect((await fleet.run(['flow', 'deny', denied, '--reason', 'leave it'])).exitCode).toBe(0);
    const failed = await waitForFlow(fleet, denied);
    expect(stepOf(failed, 'never')).toMatchObject({
      status: 'failed',
      reason: 'denied after it failed: leave it',
    });
  });
});
