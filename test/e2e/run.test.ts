// `tmuxorch run` end to end: real npm projects (node's own test runner) run through the built CLI,
// the report checked against what each project's runner says when run straight in it. Most tests
// use an ephemeral controller (no daemon on this fleet); the daemon mode has a fleet of its own.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobReport, RunReport } from '../../src/domain/run/run-report.js';
import type { CliFleet } from '../helpers/cli.js';
import * as npm from '../helpers/npm-projects.js';
import { waitFor } from '../helpers/wait-for.js';
import { runJson, type ErrorBody, type WorkerView } from './support.js';
import { useCliFleet } from './cli-fleets.js';

interface JunitCase {
  name: string;
  classname: string;
  failure?: { message: string; '#text'?: string };
  error?: { message: string };
  skipped?: { message: string };
}
interface JunitSuiteXml {
  name: string;
  tests: string;
  failures: string;
  errors: string;
  skipped: string;
  time: string;
  testcase: JunitCase[];
  'system-out'?: string;
}
type JunitRoot = Omit<JunitSuiteXml, 'testcase'> & { testsuite: JunitSuiteXml[] };

// A JUnit file as a real XML parser reads it (fast-xml-parser), after checking it is well-formed.
function readJunit(xml: string): JunitRoot {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (tag) => tag === 'testsuite' || tag === 'testcase',
  });
  return (parser.parse(xml) as { testsuites: JunitRoot }).testsuites;
}

let fleet: CliFleet;
// Project directories by name (in the main fleet's temp dir; the daemon's fleet uses them too).
const projects: Record<string, string> = {};
const dirOf = (name: string): string => projects[name] ?? name;

async function makeProject(name: string, source: npm.TestSource, file?: string): Promise<string> {
  projects[name] = await npm.writeNodeTestProject(await fleet.home.project(name), source, file);
  return dirOf(name);
}

// What `npm test` says run straight in a project (not for `flaky`, whose verdict changes).
const verdicts = new Map<string, Promise<npm.RunnerVerdict>>();
function own(name: string): Promise<npm.RunnerVerdict> {
  let verdict = verdicts.get(name);
  if (!verdict) verdicts.set(name, (verdict = npm.ownRunnerVerdict(dirOf(name))));
  return verdict;
}

useCliFleet(async (made) => {
  fleet = made;
  for (const source of ['passing', 'failing', 'slow', 'hang', 'flaky'] as const)
    await makeProject(source, source);
  await makeProject('also-passing', 'passing');
});

// `tmuxorch run … --json` on a fleet: its exit code, report and stderr (the progress).
async function runCli(on: CliFleet, args: readonly string[]) {
  const { exitCode, body, run } = await runJson<RunReport>(on, ['run', ...args]);
  return { exitCode, report: body, stderr: run.stderr };
}

const runProjects = (on: CliFleet, names: readonly string[], extra: readonly string[] = []) =>
  runCli(on, [...names.flatMap((n) => ['--project', dirOf(n)]), '--cmd', 'npm test', ...extra]);

function job(report: RunReport, name: string): JobReport {
  const found = report.jobs.find((j) => j.name === name);
  if (!found) throw new Error(`no job ${name} in ${JSON.stringify(report)}`);
  return found;
}

const jobLogs = async (report: RunReport): Promise<string[]> =>
  (await readdir(join(report.runDir, 'jobs'))).sort();

// The tmuxorch-run-* sessions on the fleet's socket; a server that is gone has none.
async function runSessions(on: CliFleet): Promise<string[]> {
  try {
    const names = await on.tmux.tmux('list-sessions', '-F', '#{session_name}');
    return names.split('\n').filter((s) => s.startsWith('tmuxorch-run-'));
  } catch (error) {
    if (/no server running|error connecting/.test(String((error as { stderr?: unknown }).stderr))) return [];
    throw error;
  }
}

const waitNoProcessesWith = (token: string) =>
  waitFor(async () => (await npm.processesWith(token)).length === 0, {
    timeoutMs: 15_000,
    message: `no process left in or naming ${token}`,
  });

describe('three npm projects in parallel, no daemon', () => {
  const names = ['passing', 'failing', 'slow'];
  let result: Awaited<ReturnType<typeof runCli>>;
  let verdict: Record<string, npm.RunnerVerdict>;
  let junitFile: string;

  beforeAll(async () => {
    junitFile = join(fleet.home.dir, 'three.junit.xml');
    const [run, ...own3] = await Promise.all([
      runProjects(fleet, names, ['--junit', junitFile]),
      ...names.map(own),
    ]);
    result = run;
    verdict = Object.fromEntries(names.map((n, i) => [n, own3[i] as npm.RunnerVerdict]));
    // The projects are what their names say, or the comparisons below would prove little.
    expect(verdict.passing).toMatchObject({ exitCode: 0, failed: 0 });
    expect(verdict.failing?.exitCode).not.toBe(0);
    expect(verdict.failing?.failed).toBeGreaterThan(0);
    expect(verdict.failing?.skipped).toBeGreaterThan(0);
  });

  it('reports each job as its own runner does, and exits 1', async () => {
    const { exitCode, report, stderr } = result;
    expect(exitCode, stderr).toBe(1);
    expect(report.interrupted).toBe(false);
    expect(report.jobs.map((j) => j.name)).toEqual(names);
    for (const j of report.jobs) {
      const v = verdict[j.name] as npm.RunnerVerdict;
      expect(j.status, j.name).toBe(v.exitCode === 0 ? 'succeeded' : 'failed');
      expect(j.exitCode, j.name).toBe(v.exitCode);
      expect(j.attempts).toBe(1);
      const { passed, failed, skipped } = v;
      expect(j.tests, j.name).toEqual({ runner: 'node:test', passed, failed, skipped });
      // The job's log is the runner's own output (its spec reporter, on the pane's terminal).
      const log = await readFile(j.outputFile ?? '', 'utf8');
      expect(log).toMatch(new RegExp(`pass ${v.passed}\\b`));
      expect(log).toMatch(new RegExp(`fail ${v.failed}\\b`));
      expect(stderr).toContain(`${j.name}: ${j.status}, exit ${v.exitCode}`);
    }
    const ok = Object.values(verdict).filter((v) => v.exitCode === 0).length;
    expect(report).toMatchObject({ passed: ok, failed: names.length - ok, skipped: 0 });
    expect(JSON.parse(await readFile(join(report.runDir, 'report.json'), 'utf8'))).toEqual(report);
  });

  it('ran the jobs at the same time', async () => {
    const { report } = result;
    // Every job started before any ended: one at a time, `passing` would end before `slow` starts.
    const events = (await readFile(join(report.runDir, 'progress.log'), 'utf8')).split('\n');
    const firstEnd = events.findIndex((line) => /: (succeeded|failed)\b/.test(line));
    const starts = events.flatMap((line, i) => (/: started on /.test(line) ? [i] : []));
    expect(starts).toHaveLength(names.length);
    expect(firstEnd).toBeGreaterThan(Math.max(...starts));
    expect(report.durationMs).toBeLessThan(report.jobs.reduce((sum, j) => sum + (j.durationMs ?? 0), 0));
  });

  it('writes JUnit XML a real parser reads: a suite per job, a testcase per test, the failure in it', async () => {
    const root = readJunit(await readFile(junitFile, 'utf8'));
    const { report } = result;
    const sum = (pick: (v: npm.RunnerVerdict) => number) =>
      Object.values(verdict).reduce((n, v) => n + pick(v), 0);
    expect(root).toMatchObject({
      tests: String(sum((v) => v.passed + v.failed + v.skipped)),
      failures: String(sum((v) => v.failed)),
      errors: '0',
      skipped: String(sum((v) => v.skipped)),
      // The run's wall time: its jobs ran side by side, so it is less than their sum.
      time: (report.durationMs / 1000).toFixed(3),
    });
    expect(root.testsuite.map((s) => s.name)).toEqual(names);
    for (const suite of root.testsuite) {
      const v = verdict[suite.name] as npm.RunnerVerdict;
      const j = job(report, suite.name);
      expect(suite, suite.name).toMatchObject({
        tests: String(v.passed + v.failed + v.skipped),
        failures: String(v.failed),
        skipped: String(v.skipped),
        time: ((j.durationMs ?? 0) / 1000).toFixed(3),
      });
      expect(suite.testcase.filter((c) => c.failure).length).toBe(v.failed);
      expect(suite['system-out'], suite.name).toContain('ℹ tests');
    }
    const failing = root.testsuite.find((s) => s.name === 'failing');
    expect(failing?.testcase.map((c) => c.name)).toEqual([
      'holds one',
      'holds two',
      'broken sum',
      'not written yet',
    ]);
    const broken = failing?.testcase.find((c) => c.name === 'broken sum');
    expect(broken?.failure?.message).toMatch(/Expected values to be strictly equal: 4 !== 5/);
    expect(failing?.testcase.find((c) => c.name === 'not written yet')?.skipped).toBeDefined();
    const saved = await readFile(join(result.report.runDir, 'junit.xml'), 'utf8');
    expect(await readFile(junitFile, 'utf8')).toBe(saved);
  });

  it('leaves no tmuxorch-run-* session once it ends (unless --keep-workers)', async () => {
    expect(await runSessions(fleet)).toEqual([]);
    // The check does see a session: --keep-workers leaves the run's own one open.
    const kept = await runProjects(fleet, ['passing'], ['--keep-workers']);
    const session = `tmuxorch-run-${kept.report.runId.slice(-4)}`;
    try {
      expect(kept.exitCode, kept.stderr).toBe(0);
      expect(await runSessions(fleet)).toEqual([session]);
      // A kept session is the user's: the next run does not sweep it away as an orphan.
      const next = await runProjects(fleet, ['passing']);
      expect(next.exitCode, next.stderr).toBe(0);
      expect(await runSessions(fleet)).toEqual([session]);
    } finally {
      await fleet.tmux.tmux('kill-session', '-t', session).catch(() => undefined);
    }
    expect(await runSessions(fleet)).toEqual([]);
  });
});

describe('run options, no daemon', () => {
  it('--fail-fast with --concurrency 1 skips the jobs after the first failure', async () => {
    const order = ['failing', 'passing', 'slow'];
    const flags = ['--fail-fast', '--concurrency', '1'];
    const { exitCode, report, stderr } = await runProjects(fleet, order, flags);
    expect(exitCode, stderr).toBe(1);
    const failing = await own('failing');
    expect(job(report, 'failing')).toMatchObject({
      status: 'failed',
      exitCode: failing.exitCode,
      attempts: 1,
    });
    for (const name of ['passing', 'slow']) {
      const skipped = { status: 'skipped', attempts: 0, exitCode: null, outputFile: null, taskIds: [] };
      expect(job(report, name)).toMatchObject(skipped);
    }
    expect(report).toMatchObject({ passed: 0, failed: 1, skipped: 2 });
    expect(await jobLogs(report)).toEqual(['failing.log']);
  });

  it('--timeout ends a hanging job timed_out with exit code 124', async () => {
    const started = Date.now();
    const { exitCode, report, stderr } = await runProjects(fleet, ['hang'], ['--timeout', '2s']);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(exitCode, stderr).toBe(1);
    const hang = job(report, 'hang');
    expect(hang).toMatchObject({ status: 'timed_out', exitCode: 124, attempts: 1 });
    expect(hang.durationMs).toBeGreaterThanOrEqual(2000);
    await waitNoProcessesWith(dirOf('hang'));
  });

  it('--retries runs a flaky job again until it passes, and a failing one up to its limit', async () => {
    const flaky = await runProjects(fleet, ['flaky'], ['--retries', '2']);
    expect(flaky.exitCode, flaky.stderr).toBe(0);
    // The marker the first attempt left makes the project pass on its own now.
    const passes = await npm.ownRunnerVerdict(dirOf('flaky'));
    const f = job(flaky.report, 'flaky');
    expect(f).toMatchObject({ status: 'succeeded', exitCode: passes.exitCode, attempts: 2 });
    expect(f.tests).toMatchObject({ passed: passes.passed, failed: 0 });
    expect(f.taskIds).toHaveLength(2);
    expect(await jobLogs(flaky.report)).toEqual(['flaky.attempt-1.log', 'flaky.log']);
    const first = await readFile(join(flaky.report.runDir, 'jobs', 'flaky.attempt-1.log'), 'utf8');
    expect(first).toContain('the first run fails on purpose');
    expect(flaky.stderr).toContain('running again: attempt 2 of 3');

    const failing = await runProjects(fleet, ['failing'], ['--retries', '1']);
    expect(failing.exitCode).toBe(1);
    const exitCode = (await own('failing')).exitCode;
    expect(job(failing.report, 'failing')).toMatchObject({ status: 'failed', exitCode, attempts: 2 });
    expect(await jobLogs(failing.report)).toEqual(['failing.attempt-1.log', 'failing.log']);
  });

  it('Ctrl-C cancels the running job, exits 130 and leaves no session or process behind', async () => {
    const token = `ctrlc${randomBytes(5).toString('hex')}`;
    const name = `forever-${token}`;
    const project = await makeProject(name, 'hang', token);
    const args = ['run', '--project', project, '--cmd', 'npm test'];
    const report = await npm.interruptWhileTesting(fleet, args, token);
    expect(job(report, name)).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(report).toMatchObject({ passed: 0, failed: 1, skipped: 0 });
    expect(JSON.parse(await readFile(join(report.runDir, 'report.json'), 'utf8'))).toEqual(report);
    await waitFor(async () => (await runSessions(fleet)).length === 0, {
      timeoutMs: 15_000,
      message: 'the run session is gone',
    });
    await waitNoProcessesWith(token);
  });

  it('runs a jobs file: relative projects, per-job command, env and timeout', async () => {
    const file = join(fleet.home.dir, 'jobs.yaml');
    const command = 'echo "greeting=$GREETING" && npm test';
    const yaml = [
      'concurrency: 3',
      'defaults:',
      '  command: npm test',
      'jobs:',
      '  - project: projects/passing',
      '    name: unit',
      `    command: ${command}`,
      '    env: { GREETING: hello-from-yaml }',
      '  - project: ./projects/hang',
      '    name: stuck',
      '    command: sleep 30',
      '    timeout: 1s',
      '  - project: projects/also-passing',
    ];
    await writeFile(file, `${yaml.join('\n')}\n`);
    // Run from another directory: the projects are relative to the file, not to the cwd.
    const [{ exitCode, report, stderr }, passing] = await Promise.all([
      runCli(fleet, [file]),
      own('passing'),
    ]);
    expect(exitCode, stderr).toBe(1);
    expect(report.jobs.map((j) => [j.name, j.project, j.command])).toEqual([
      ['unit', dirOf('passing'), command],
      ['stuck', dirOf('hang'), 'sleep 30'],
      ['also-passing', dirOf('also-passing'), 'npm test'],
    ]);
    const succeeded = { status: 'succeeded', exitCode: passing.exitCode, tests: { passed: passing.passed } };
    expect(job(report, 'unit')).toMatchObject(succeeded);
    expect(job(report, 'also-passing')).toMatchObject(succeeded);
    expect(await readFile(job(report, 'unit').outputFile ?? '', 'utf8')).toContain(
      'greeting=hello-from-yaml',
    );
    expect(job(report, 'stuck')).toMatchObject({ status: 'timed_out', exitCode: 124 });
    expect(job(report, 'stuck').durationMs).toBeLessThan(20_000);
  });

  it('refuses a jobs file with a bad field at its line, before anything runs', async () => {
    const file = join(fleet.home.dir, 'bad.yaml');
    const lines = ['jobs:', '  - project: projects/passing', '    command: npm test', '    timeout: soon'];
    await writeFile(file, `${lines.join('\n')}\n`);
    const line = lines.findIndex((l) => l.includes('soon')) + 1;
    const runsDir = join(String(fleet.env.TMUXORCH_HOME), 'runs');
    const runsBefore = await readdir(runsDir).catch(() => []);
    const out = join(fleet.home.dir, 'bad-run-out');
    const plain = await fleet.run(['run', file, '--out', out]);
    expect(plain.exitCode, plain.stderr).toBe(2);
    expect(plain.stderr).toContain(`bad.yaml:${line}:`);
    expect(plain.stderr).toContain('timeout');
    const { exitCode, body } = await runJson<ErrorBody>(fleet, ['run', file]);
    expect(exitCode).toBe(2);
    expect(body.error).toMatchObject({ code: 'TASK_FILE_INVALID', details: { field: 'jobs[0].timeout' } });
    // Nothing ran: no run directory, no session.
    await expect(readdir(out)).rejects.toThrow();
    expect(await readdir(runsDir).catch(() => [])).toEqual(runsBefore);
    expect(await runSessions(fleet)).toEqual([]);
  });
});

describe('JUnit a CI system can use: a testcase per test', () => {
  const VITEST = join(import.meta.dirname, '../../node_modules/.bin/vitest');

  it("reads a job's own report (reports:), else its runner's lines; each failure says its assertion", async () => {
    // A vitest project that writes its own JUnit file, next to a stale one from an earlier run.
    const project = await fleet.home.project('with-report');
    await mkdir(join(project, 'junit'), { recursive: true });
    await writeFile(
      join(project, 'calc.test.js'),
      [
        "describe('calc', () => {",
        "  it('adds', () => { expect(1 + 1).toBe(2); });",
        "  it('adds wrong', () => { expect(1 + 1).toBe(3); });",
        "  it.skip('divides', () => { expect(1 / 0).toBe(0); });",
        '});',
        '',
      ].join('\n'),
    );
    const stale = join(project, 'junit', 'stale.xml');
    await writeFile(stale, '<testsuite name="old"><testcase name="from a stale report"/></testsuite>\n');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, hourAgo, hourAgo);
    const file = join(fleet.home.dir, 'reports.yaml');
    const yaml = [
      'jobs:',
      '  - project: projects/with-report',
      '    name: vitest',
      `    command: ${VITEST} run --globals --reporter=default --reporter=junit --outputFile.junit=junit/vitest.xml`,
      '    reports: ["junit/*.xml"]',
      '  - project: projects/failing',
      '    name: node',
      '    command: npm test',
    ];
    await writeFile(file, `${yaml.join('\n')}\n`);
    const junitFile = join(fleet.home.dir, 'per-test.junit.xml');
    const { exitCode, report, stderr } = await runCli(fleet, [file, '--junit', junitFile]);
    expect(exitCode, stderr).toBe(1);
    // --json counts and statuses are as they were: the runner's summary.
    expect(job(report, 'vitest')).toMatchObject({
      status: 'failed',
      tests: { runner: 'vitest', passed: 1, failed: 1, skipped: 1 },
    });
    const root = readJunit(await readFile(junitFile, 'utf8'));
    expect(root).toMatchObject({ tests: '7', failures: '2', errors: '0', skipped: '2' });
    const [vitest, node] = root.testsuite;
    // From vitest's own report: its names, and nothing from the stale file.
    expect(vitest?.name).toBe('vitest');
    expect(vitest?.testcase.map((c) => [c.classname, c.name])).toEqual([
      ['calc.test.js', 'calc > adds'],
      ['calc.test.js', 'calc > adds wrong'],
      ['calc.test.js', 'calc > divides'],
    ]);
    const wrong = vitest?.testcase[1];
    expect(wrong?.failure?.message).toBe('expected 2 to be 3 // Object.is equality');
    expect(wrong?.failure?.['#text']).toContain('calc.test.js:3');
    expect(vitest?.testcase[2]?.skipped).toBeDefined();
    expect(await readdir(join(report.runDir, 'jobs'))).toContain('vitest.reports.json');
    // From node:test's spec lines in the pane: a testcase per test, the failure with its place.
    expect(node?.name).toBe('node');
    expect(node?.testcase.map((c) => c.name)).toEqual([
      'holds one',
      'holds two',
      'broken sum',
      'not written yet',
    ]);
    const broken = node?.testcase[2];
    expect(broken?.failure?.message).toContain('Expected values to be strictly equal: 4 !== 5');
    expect(broken?.failure?.['#text']).toMatch(/^at test\/main\.test\.js:\d+:\d+/);
    expect(node?.testcase[3]?.skipped).toBeDefined();
  });
});

describe('with the daemon running', () => {
  let daemon: CliFleet;

  useCliFleet((made) => (daemon = made), { shells: ['mine'] });

  const workerNames = async (): Promise<string[]> =>
    (await runJson<WorkerView[]>(daemon, ['list'])).body.map((w) => w.name).sort();

  it("runs on the daemon's fleet and removes its workers afterwards", async () => {
    const { exitCode, report, stderr } = await runProjects(daemon, ['passing', 'also-passing']);
    expect(exitCode, stderr).toBe(0);
    expect(report).toMatchObject({ passed: 2, failed: 0, skipped: 0, interrupted: false });
    for (const j of report.jobs) expect(j.worker).toBe(`run-${report.runId.slice(-4)}-${j.name}`);
    expect(stderr).toContain("on the daemon's fleet");
    expect(await workerNames()).toEqual(['mine']);
    expect(await runSessions(daemon)).toEqual([]);
  });

  it('--keep-workers leaves the run workers on the fleet', async () => {
    const { exitCode, report, stderr } = await runProjects(
      daemon,
      ['passing', 'also-passing'],
      ['--keep-workers'],
    );
    expect(exitCode, stderr).toBe(0);
    const kept = report.jobs.map((j) => j.worker ?? '');
    expect(kept).toEqual(report.jobs.map((j) => `run-${report.runId.slice(-4)}-${j.name}`));
    expect(await workerNames()).toEqual(['mine', ...kept].sort());
  });
});
