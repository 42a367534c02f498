// Fan-out: a matrix step runs one instance per value, each in a window (worker) of its own, in
// parallel (their run times overlap), at most max-parallel at once; a step after it waits for all.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { useFlowFleet } from './workflow-fleet.js';
import { startFlow, stepOf, waitForFlow, writeWorkflow } from '../helpers/workflow-runs.js';
import { useCliFleet } from './cli-fleets.js';

const fanOut = (maxParallel: string): string => `schema_version: 1
name: fan-out
steps:
  shard:
    matrix: { n: [1, 2, 3] }${maxParallel}
    run: echo "start \${{ matrix.n }} $(date +%s%N)" >> "\${{ run.dir }}/times"; sleep 1; echo "end \${{ matrix.n }} $(date +%s%N)" >> "\${{ run.dir }}/times"
  after:
    needs: shard
    run: echo all done
`;

// [start, end] of each instance, in ns (one clock: `date` in the same shells).
async function spans(fleet: CliFleet, id: string): Promise<Map<string, [number, number]>> {
  const text = await readFile(join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'times'), 'utf8');
  const spans = new Map<string, [number, number]>();
  for (const line of text.trim().split('\n')) {
    const [what, n = '', at = '0'] = line.split(' ');
    const span = spans.get(n) ?? [0, 0];
    span[what === 'start' ? 0 : 1] = Number(at);
    spans.set(n, span);
  }
  return spans;
}

const overlapping = (a: [number, number], b: [number, number]): boolean => a[0] < b[1] && b[0] < a[1];

describe('matrix fan-out', () => {
  let fleet: CliFleet;
  let project = '';
  useFlowFleet((made, plain) => ((fleet = made), (project = plain)));

  it('runs one instance per value, in parallel, each on its own worker; the step after waits for all', async () => {
    const id = await startFlow(fleet, await writeWorkflow(fleet, fanOut('')), project);
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => s.id)).toEqual(['shard-1', 'shard-2', 'shard-3', 'after']);
    const workers = new Set(['shard-1', 'shard-2', 'shard-3'].map((s) => stepOf(run, s).worker));
    expect(workers.size).toBe(3);
    const times = await spans(fleet, id);
    const [a, b, c] = ['1', '2', '3'].map((n) => times.get(n) ?? [0, 0]) as [
      [number, number],
      [number, number],
      [number, number],
    ];
    expect(overlapping(a, b) && overlapping(b, c) && overlapping(a, c)).toBe(true);
  });

  it('keeps to max-parallel', async () => {
    const id = await startFlow(fleet, await writeWorkflow(fleet, fanOut('\n    max-parallel: 1')), project);
    const run = await waitForFlow(fleet, id);
    expect(run.status).toBe('succeeded');
    const times = await spans(fleet, id);
    const [a, b, c] = ['1', '2', '3'].map((n) => times.get(n) ?? [0, 0]) as [
      [number, number],
      [number, number],
      [number, number],
    ];
    expect(overlapping(a, b) || overlapping(b, c) || overlapping(a, c)).toBe(false);
  });

  it('fans out over a list an earlier step wrote', async () => {
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: listed
steps:
  plan:
    run: echo '["api", "web"]' > "\${{ step.dir }}/tasks.json"
    outputs: { tasks: tasks.json }
  build:
    needs: plan
    matrix: steps.plan.outputs.tasks.text
    run: echo "building \${{ matrix.value }}"
`,
    );
    const run = await waitForFlow(fleet, await startFlow(fleet, file, project));
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => s.id)).toEqual(['plan', 'build-1', 'build-2']);
    const home = String(fleet.env.TMUXORCH_HOME);
    const outputs = await Promise.all(
      ['build-1', 'build-2'].map((s) =>
        readFile(join(home, 'flows', run.id, 'steps', s, '1', 'raw_output.txt'), 'utf8'),
      ),
    );
    expect(outputs[0]).toContain('building api');
    expect(outputs[1]).toContain('building web');
  });
});

describe('a long run on a small fleet', () => {
  let fleet: CliFleet;
  let project = '';
  useCliFleet(async (made) => {
    fleet = made;
    project = await made.home.project('plain');
    expect((await made.run(['config', 'set', 'maxWorkers', '3'])).exitCode).toBe(0);
    expect((await made.run(['start'])).exitCode).toBe(0);
  });

  it("closes each finished step's window, so more steps than maxWorkers run one after another", async () => {
    const steps = Array.from(
      { length: 8 },
      (_, i) => `  s${i}:${i > 0 ? ` { needs: s${i - 1}, run: "true" }` : ' { run: "true" }'}`,
    );
    const file = await writeWorkflow(fleet, `schema_version: 1\nname: long\nsteps:\n${steps.join('\n')}\n`);
    const run = await waitForFlow(fleet, await startFlow(fleet, file, project));
    expect(run.status, JSON.stringify(run.steps.map((s) => s.reason))).toBe('succeeded');
    expect(run.steps).toHaveLength(8);
  });
});
