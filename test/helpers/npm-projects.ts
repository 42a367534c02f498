// Real npm projects for the `tmuxorch run` tests: a package.json whose `npm test` is node's
// built-in runner (`node --test`, nothing to install) and one test file, plus what that runner
// itself says when run straight in the project, to compare tmuxorch's report against; and the
// processes still running in a project, to check that nothing of a job is left behind.
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { RunReport } from '../../src/domain/run/run-report.js';
import { interruptedRun, type CliFleet } from './cli.js';

const HEADER = [
  "import test from 'node:test';",
  "import assert from 'node:assert/strict';",
  "import { setTimeout as sleep } from 'node:timers/promises';",
  "import { existsSync, writeFileSync } from 'node:fs';",
  '',
].join('\n');

// Test file bodies (after HEADER), by what they do.
export const TEST_SOURCES = {
  passing: [
    "test('adds', () => assert.equal(1 + 1, 2));",
    "test('joins', () => assert.equal(['a', 'b'].join(''), 'ab'));",
    "test('maps', () => assert.deepEqual([1, 2].map((x) => x * 2), [2, 4]));",
  ].join('\n'),
  failing: [
    "test('holds one', () => assert.ok(true));",
    "test('holds two', () => assert.equal(3 * 3, 9));",
    "test('broken sum', () => assert.equal(2 + 2, 5));",
    "test.skip('not written yet', () => assert.fail('skipped tests do not run'));",
  ].join('\n'),
  // About 2.4 s: node:test runs the tests of a file one after the other.
  slow: [1, 2, 3]
    .map((n) => `test('slow step ${n}', async () => { await sleep(800); assert.ok(true); });`)
    .join('\n'),
  // Never ends by itself within a test's time: only a timeout or Ctrl-C stops it.
  hang: "test('waits a minute', async () => { await sleep(60_000); });",
  // Fails the first time it runs in a project (and leaves a marker there), passes after.
  flaky: [
    "const marker = new URL('../.ran-once', import.meta.url);",
    "test('passes the second time', () => {",
    '  const first = !existsSync(marker);',
    "  if (first) writeFileSync(marker, '');",
    "  assert.ok(!first, 'the first run fails on purpose');",
    '});',
  ].join('\n'),
} as const;

export type TestSource = keyof typeof TEST_SOURCES;

// Writes the project into `dir` (created): package.json and test/<file>.test.js.
export async function writeNodeTestProject(dir: string, source: TestSource, file = 'main'): Promise<string> {
  await mkdir(join(dir, 'test'), { recursive: true });
  const name = `fixture-${source}`;
  const pkg = { name, version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test' } };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(join(dir, 'test', `${file}.test.js`), `${HEADER}${TEST_SOURCES[source]}\n`);
  return dir;
}

export interface RunnerVerdict {
  readonly exitCode: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly output: string;
}

// `npm test` run straight in the project, with the TAP reporter so its summary (`# pass 2`…) is
// there to read. Counted as node:test counts: cancelled tests fail the run, todo ones did not pass.
export async function ownRunnerVerdict(dir: string): Promise<RunnerVerdict> {
  const result = await execa('npm', ['test', '--', '--test-reporter=tap'], {
    cwd: dir,
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
  });
  const output = String(result.stdout);
  const field = (name: string): number => {
    const matches = [...output.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    const last = matches.at(-1);
    if (!last?.[1]) throw new Error(`no "# ${name}" in the output of npm test in ${dir}:\n${output}`);
    return Number(last[1]);
  };
  return {
    exitCode: result.exitCode ?? -1,
    passed: field('pass'),
    failed: field('fail') + field('cancelled'),
    skipped: field('skipped') + field('todo'),
    output,
  };
}

// Live processes whose argv or working directory holds `token` (a project's unique directory or
// test file name): the job's shell, npm, node --test and its test-file child.
export async function processesWith(token: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (!argv.includes(token) && !cwd.includes(token)) continue;
    // An exited process not reaped yet is no longer running.
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (stat !== '' && state !== 'Z' && state !== 'X') found.push(Number(entry));
  }
  return found;
}

// `tmuxorch run … --json` on projects of which one has the test file `<token>.test.js`, Ctrl-C'd as a
// terminal does it once that file runs: checks the exit code (130) and returns the report.
export async function interruptWhileTesting(
  fleet: CliFleet,
  args: readonly string[],
  token: string,
): Promise<RunReport> {
  const result = await interruptedRun(
    fleet,
    [...args, '--json'],
    async () => (await processesWith(`${token}.test.js`)).length > 0,
  );
  expect(result.exitCode, result.stderr).toBe(130);
  const report = JSON.parse(result.stdout) as RunReport;
  expect(report.interrupted).toBe(true);
  return report;
}
