// Shared bits of the end-to-end tests: they drive the built CLI (dist/bin/tmuxorch.js) through
// test/helpers/cli.ts, each file on its own private tmux socket and TMUXORCH_HOME.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { StatusView, TaskResult, WorkerView } from '../../src/application/contract/views.js';
import { homePaths } from '../../src/infrastructure/config/paths.js';
import type { FleetState } from '../../src/infrastructure/state/state-schema.js';
import { StateStore } from '../../src/infrastructure/state/state-store.js';
import type { CliFleet, CliRun } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';

export type { StatusView, TaskResult, WorkerView };

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: Record<string, unknown>;
  };
}

// Adds --json before a `--` (after it, the flag would become part of the task's command).
export function withJson(args: readonly string[]): string[] {
  const dashes = args.indexOf('--');
  return dashes < 0 ? [...args, '--json'] : [...args.slice(0, dashes), '--json', ...args.slice(dashes)];
}

export async function runJson<T>(
  fleet: CliFleet,
  args: readonly string[],
): Promise<{ exitCode: number; body: T; run: CliRun }> {
  const run = await fleet.run(withJson(args));
  let body: T;
  try {
    body = JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(
      `${args.join(' ')} --json printed no JSON (exit ${run.exitCode}): ${run.stdout}${run.stderr}`,
    );
  }
  return { exitCode: run.exitCode, body, run };
}

export function stateDir(fleet: CliFleet): string {
  return join(fleet.home.dir, 'home', 'state');
}

export function stateFile(fleet: CliFleet): string {
  return join(stateDir(fleet), 'state.json');
}

// What the daemon has on disk, read the way the daemon reads it (snapshot + journal).
export async function storedState(fleet: CliFleet): Promise<FleetState> {
  const store = new StateStore(homePaths(String(fleet.env.TMUXORCH_HOME)));
  return store.load(fleet.session);
}

// state.json and its journal: everything the daemon keeps on disk.
export async function readState(fleet: CliFleet): Promise<string> {
  const snapshot = await readFile(stateFile(fleet), 'utf8').catch(() => '');
  const journal = await readFile(join(stateDir(fleet), 'state.journal'), 'utf8').catch(() => '');
  return `${snapshot}\n${journal}`;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// kill -9 of the fleet's daemon (no shutdown, no final snapshot), once it is gone.
export async function killDaemonHard(fleet: CliFleet): Promise<void> {
  const pid = await fleet.daemonPid();
  if (pid === null) throw new Error('no daemon pid');
  process.kill(pid, 'SIGKILL');
  await waitFor(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
}

// A process that has exited but was not reaped yet still answers kill(pid, 0): read its state.
export async function isRunning(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return isAlive(pid);
  }
}

// Pids of live processes whose environment names this fleet's home: the daemon, the tmux server
// it started, and every pane process. Empty once a fleet is really gone.
export async function processesOfHome(fleet: CliFleet): Promise<number[]> {
  const needle = `TMUXORCH_HOME=${fleet.env.TMUXORCH_HOME ?? ''}\0`;
  const found: number[] = [];
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (`${environ}\0`.includes(needle) && (await isRunning(pid))) found.push(pid);
  }
  return found;
}

// Runs a command expected to fail: `--json` gives {"error":{code,message,details}} on stdout and
// the exit code. With `plain`, the run without --json is checked too: same exit code, one short
// sentence on stderr, no stack trace.
export async function expectFailure(
  fleet: CliFleet,
  args: readonly string[],
  code: string,
  exitCode: number,
  options: { plain?: boolean } = {},
): Promise<ErrorBody['error']> {
  const [json, plain] = await Promise.all([
    runJson<ErrorBody>(fleet, args),
    options.plain ? fleet.run(args) : Promise.resolve(null),
  ]);
  const what = `${args.join(' ')} --json: ${json.run.stdout}${json.run.stderr}`;
  expect(json.exitCode, what).toBe(exitCode);
  expect(json.body.error?.code, what).toBe(code);
  expectOneLine(json.body.error.message);
  expect(typeof json.body.error.details).toBe('object');
  if (plain) {
    expect(plain.exitCode, `${args.join(' ')}: ${plain.stderr}`).toBe(exitCode);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/\S/);
    expectNoStack(plain);
  }
  return json.body.error;
}

export function expectOneLine(message: string): void {
  expect(message.trim()).not.toBe('');
  expect(message).not.toContain('\n');
  expect(message).not.toMatch(/\n\s+at /);
}

export function expectNoStack(run: CliRun): void {
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/\n\s+at .+[:(]/);
}

export async function expectOk(fleet: CliFleet, args: readonly string[]): Promise<CliRun> {
  const result = await fleet.run(args);
  expect(result.exitCode, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0);
  return result;
}

export async function status(fleet: CliFleet): Promise<StatusView> {
  const { exitCode, body, run } = await runJson<StatusView>(fleet, ['status']);
  expect(exitCode, `status: ${run.stdout}${run.stderr}`).toBe(0);
  return body;
}

// The worker of that name, as `status` shows it.
export async function workerView(fleet: CliFleet, name: string): Promise<WorkerView> {
  const found = (await status(fleet)).workers.find((w) => w.name === name);
  expect(found, `worker ${name} in status`).toBeDefined();
  return found!;
}

// A shell worker in a project of its name, idle; holding `role` when given.
export async function addShell(fleet: CliFleet, name: string, role?: string): Promise<WorkerView> {
  const project = await fleet.home.project(name);
  const { exitCode, body } = await fleet.json<WorkerView>([
    'add-worker',
    '--type',
    'shell',
    '--project',
    project,
    '--name',
    name,
    ...(role ? ['--role', role] : []),
  ]);
  expect(exitCode, JSON.stringify(body)).toBe(0);
  expect(body).toMatchObject({ name, type: 'shell', project, state: 'idle', role: role ?? 'default' });
  return body;
}

// A worker of the bundled sim agent in a fresh project of its name. --env names its sim home
// explicitly (the sim profile allow-lists TMUXORCH_SIM_HOME), so the session files a test checks
// are where it looks, whatever the fleet's default is. `extra`: more add-worker arguments.
export async function addSimWorker(
  fleet: CliFleet,
  name: string,
  simHome: string,
  mode: WorkerView['mode'],
  extra: readonly string[] = [],
): Promise<WorkerView> {
  const project = await fleet.home.project(name);
  const { exitCode, body, run } = await runJson<WorkerView>(fleet, [
    'add-worker',
    '--type',
    'sim',
    '--project',
    project,
    '--name',
    name,
    ...(mode === 'interactive' ? ['--interactive'] : []),
    '--env',
    `TMUXORCH_SIM_HOME=${simHome}`,
    ...extra,
  ]);
  expect(exitCode, `${run.stdout}${run.stderr}`).toBe(0);
  expect(body).toMatchObject({ name, type: 'sim', project, state: 'idle', mode });
  return body;
}

export async function panesByWorker(fleet: CliFleet): Promise<Map<string, { paneId: string; pid: number }>> {
  const text = await fleet.tmux.tmux('list-panes', '-a', '-F', '#{pane_id} #{pane_pid} #{@tmuxorch_worker}');
  const panes = new Map<string, { paneId: string; pid: number }>();
  for (const line of text.split('\n')) {
    const [paneId, pid, worker] = line.trim().split(' ');
    if (paneId && pid && worker) panes.set(worker, { paneId, pid: Number(pid) });
  }
  return panes;
}

// Stops everything the fleet started and checks that nothing of it is left running.
export async function cleanupAndCheck(fleet: CliFleet | undefined): Promise<void> {
  if (!fleet) return;
  await fleet.cleanup();
  const left = await waitFor(async () => ((await processesOfHome(fleet)).length === 0 ? [] : null), {
    timeoutMs: 10_000,
    message: 'every process of the fleet exited',
  }).catch(async () => processesOfHome(fleet));
  // Never leave them behind, even when the check fails (pids of this fleet's home only).
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  expect(left, 'processes of the fleet left running').toEqual([]);
}
