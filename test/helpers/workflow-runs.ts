// Workflow runs through the built CLI: a workflow file written for the test, started, and its
// status polled until it reaches what the test waits for.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { CliFleet } from './cli.js';
import { waitFor } from './wait-for.js';

export interface FlowStep {
  id: string;
  status: string;
  attempts: number;
  iteration: number;
  worker: string | null;
  verdict: string | null;
  reason: string | null;
  summary: string | null;
  gate: { state: string; kind: string; message: string; hashes: Record<string, string> } | null;
  outputs: Record<string, string>;
}

export interface FlowRun {
  id: string;
  status: string;
  reason: string | null;
  gate: { state: string; message: string } | null;
  steps: FlowStep[];
}

// A shell step's command that fails until its n-th run (each run says which attempt it is, so a
// loop sees progress), counting in the run's directory.
export function failsUntil(passAt: number): string {
  return `n=$(cat "\${{ run.dir }}/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "\${{ run.dir }}/n"; echo "attempt $n"; [ $n -ge ${passAt} ]`;
}

let counter = 0;

export async function writeWorkflow(fleet: CliFleet, text: string): Promise<string> {
  counter += 1;
  const file = join(fleet.home.dir, `workflow-${counter}.yaml`);
  await writeFile(file, text);
  return file;
}

export async function startFlow(
  fleet: CliFleet,
  file: string,
  project: string,
  extra: readonly string[] = [],
): Promise<string> {
  const started = await fleet.run(['--json', 'flow', 'run', file, '--project', project, ...extra]);
  expect(started.exitCode, `${started.stderr}${started.stdout}`).toBe(0);
  return (JSON.parse(started.stdout) as { id: string }).id;
}

export async function flowStatus(fleet: CliFleet, id: string): Promise<FlowRun> {
  const status = await fleet.json<FlowRun>(['flow', 'status', id]);
  expect(status.exitCode).toBe(0);
  return status.body;
}

export function stepOf(run: FlowRun, id: string): FlowStep {
  const step = run.steps.find((s) => s.id === id);
  if (!step) throw new Error(`run ${run.id} has no step ${id}`);
  return step;
}

// Polls the run until `until` holds (default: it has ended).
export async function waitForFlow(
  fleet: CliFleet,
  id: string,
  until: (run: FlowRun) => boolean = (run) => ['succeeded', 'failed', 'cancelled'].includes(run.status),
  message = 'the run ends',
): Promise<FlowRun> {
  let last: FlowRun | null = null;
  return waitFor(
    async () => {
      last = await flowStatus(fleet, id);
      return until(last) ? last : false;
    },
    { timeoutMs: 60_000, intervalMs: 150, message: `${message} (last: ${JSON.stringify(last)})` },
  );
}
