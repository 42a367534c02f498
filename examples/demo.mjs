#!/usr/bin/env node
// The demo behind `npm run demo`: three generated projects (one with a failing test) whose test
// suites `tmuxorch run` runs in parallel on the controller's fleet, one pane each, with its live
// progress and report. Then the bundled sim agent (tmuxorch-sim) fixes the failing project's test
// in one task and the run is repeated. Last, a workflow (examples/workflows/fix-bugs.yaml) plans,
// fixes two bugs in parallel worktrees, tests, reviews and merges a generated git project. The
// fleet keeps running afterwards so you can attach.
//
// It drives the built CLI exactly as a user would, so it honours TMUXORCH_HOME, TMUXORCH_SOCKET
// and TMUXORCH_SESSION (defaults: ~/.tmuxorch, your tmux server, session agent-system).
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'bin', 'tmuxorch.js');
const tty = process.stdout.isTTY && !('NO_COLOR' in process.env);
const paint = (code) => (text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const [bold, green, red, dim] = [paint('1'), paint('32'), paint('31'), paint('2')];

// Runs `tmuxorch --json <args>`; returns the parsed body and the exit code.
async function tmuxorch(...args) {
  try {
    const { stdout } = await run(process.execPath, [cli, '--json', ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, body: JSON.parse(stdout) };
  } catch (error) {
    const body = error.stdout ? JSON.parse(error.stdout) : null;
    if (body?.error) throw new Error(body.error.message);
    return { code: error.code ?? 1, body };
  }
}

const PROJECTS = [
  {
    name: 'api',
    tests: {
      adds: 'assert.equal(1 + 1, 2)',
      parses: "assert.deepEqual(JSON.parse('[1]'), [1])",
      trims: "assert.equal(' a '.trim(), 'a')",
    },
  },
  {
    name: 'web',
    tests: {
      renders: "assert.match('<p>hi</p>', /hi/)",
      escapes: "assert.equal('a&b'.replace('&', '&amp;'), 'a&amp;b')",
      'counts words (bug!)': "assert.equal('a b c'.split(' ').length, 4)",
    },
  },
  {
    name: 'lib',
    tests: {
      sorts: 'assert.deepEqual([3, 1, 2].sort(), [1, 2, 3])',
      'waits a little': 'await new Promise((r) => setTimeout(r, 1500))',
    },
  },
];

function testFile(tests) {
  const body = Object.entries(tests)
    .map(([title, check]) => `test(${JSON.stringify(title)}, async () => {\n  ${check};\n});`)
    .join('\n\n');
  return `import test from 'node:test';\nimport assert from 'node:assert/strict';\n\n${body}\n`;
}

async function makeProject(base, { name, tests }) {
  const dir = join(base, name);
  await mkdir(join(dir, 'test'), { recursive: true });
  const pkg = {
    name: `demo-${name}`,
    version: '1.0.0',
    private: true,
    type: 'module',
    scripts: { test: 'node --test' },
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(join(dir, 'test', `${name}.test.js`), testFile(tests));
  return dir;
}

// `tmuxorch run` as a user sees it (live progress, then the report table); its report.json is
// read back to check the demo behaved as designed.
function tmuxorchRun(dir, projects) {
  const args = [cli, 'run', ...projects.flatMap((p) => ['--project', p]), '--cmd', 'npm test'];
  const child = spawn(process.execPath, [...args, '--timeout', '2m', '--out', dir], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', async (code) => {
      try {
        resolve({ code, report: JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) });
      } catch (error) {
        reject(new Error(`tmuxorch run exited ${code} without a report (${error.message})`));
      }
    });
  });
}

// `tmuxorch --json flow run … --wait`: its progress on our stderr as it happens, its result parsed.
function flowRun(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, '--json', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const body = JSON.parse(stdout);
        if (body?.error) reject(new Error(body.error.message));
        else resolvePromise({ code, body });
      } catch {
        reject(new Error(`flow run printed no result (exit ${code})`));
      }
    });
  });
}

// Only a directory this demo made: <tmp>/tmuxorch-demo-XXXXXX.
async function removeDemoProjects(dir) {
  if (dirname(dir) === tmpdir() && /^tmuxorch-demo-[A-Za-z0-9]{6}$/.test(basename(dir)))
    await rm(dir, { recursive: true, force: true });
}

async function main() {
  const base = await mkdtemp(join(tmpdir(), 'tmuxorch-demo-'));
  console.log(bold('tmuxorch demo') + dim(`  (projects in ${base})`));
  const dirs = await Promise.all(PROJECTS.map((p) => makeProject(base, p)));

  const { body: daemon } = await tmuxorch('start');
  console.log(
    `${green('✓')} controller ${daemon.alreadyRunning ? 'already running' : 'started'} (pid ${daemon.pid}), tmux session ${daemon.session}`,
  );
  // A re-run replaces the agent worker of the previous demo, and the projects it worked in.
  const { body: workers } = await tmuxorch('list');
  for (const w of workers.filter((w) => w.name.startsWith('demo-'))) {
    await tmuxorch('remove-worker', w.name);
    await removeDemoProjects(dirname(w.project));
  }

  console.log(`\n${bold('$ tmuxorch run --project api --project web --project lib --cmd "npm test"')}`);
  const first = await tmuxorchRun(join(base, 'run-1'), dirs);

  // The sim agent fixes the failing test (its task language: `write FILE: TEXT`, `\n` for newlines).
  const web = PROJECTS[1];
  const fixed = testFile({
    ...web.tests,
    'counts words (bug!)': "assert.equal('a b c'.split(' ').length, 3)",
  });
  const { body: agent } = await tmuxorch(
    'add-worker',
    '--type',
    'sim',
    '--project',
    dirs[1],
    '--name',
    'demo-agent',
  );
  console.log(`\n${green('✓')} agent worker ${agent.name} (sim, session ${agent.agentSessionId})`);
  const task = `write test/${web.name}.test.js: ${fixed.trimEnd().replaceAll('\n', '\\n')}`;
  const { body: fix } = await tmuxorch('send', '--wait', 'demo-agent', '--', task);
  console.log(`  agent: ${fix.agent?.text ?? fix.reason} ${dim(`(cost $${fix.agent?.costUsd ?? 0})`)}`);

  console.log(`\n${bold('$ tmuxorch run --project web --cmd "npm test"')}  ${dim('(after the fix)')}`);
  const second = await tmuxorchRun(join(base, 'run-2'), [dirs[1]]);

  // A workflow: plan → two coders in parallel worktrees → tests (a failure goes back to its coder)
  // → review → gate → merge, all on the sim agent (examples/workflows/fix-bugs.yaml).
  const buggy = join(base, 'buggy');
  await run(process.execPath, [join(root, 'examples', 'workflows', 'make-project.mjs'), buggy]);
  const workflow = join(root, 'examples', 'workflows', 'fix-bugs.yaml');
  console.log(
    `\n${bold(`$ tmuxorch flow run examples/workflows/fix-bugs.yaml --project ${buggy} --mode auto --wait`)}`,
  );
  const flow = await flowRun(['flow', 'run', workflow, '--project', buggy, '--mode', 'auto', '--wait']);
  const verdicts = (flow.body?.steps ?? [])
    .filter((s) => s.verdict)
    .map((s) => `${s.id} ${s.verdict} in ${s.iteration}`);
  console.log(
    `${flow.body?.status === 'succeeded' ? green('✓') : red('✗')} workflow ${flow.body?.id}: ${flow.body?.status} (${verdicts.join(', ')})`,
  );
  const testsOnMain = await run('npm', ['test', '--silent'], { cwd: buggy }).then(
    () => true,
    () => false,
  );
  console.log(
    `  ${testsOnMain ? green('✓') : red('✗')} npm test on ${buggy}'s main branch ${testsOnMain ? 'passes' : 'fails'}`,
  );
  console.log(
    dim(
      `  in manual mode (the default) it waits at its gate and its merge: tmuxorch flow approve ${flow.body?.id ?? 'RUN'}`,
    ),
  );
  console.log(
    dim(
      `  what it did: tmuxorch flow status ${flow.body?.id ?? 'RUN'}; its audit: tmuxorch flow audit ${flow.body?.id ?? 'RUN'} --verify`,
    ),
  );

  // tmuxorch attach finds the session on whichever tmux server the fleet uses (-L or not).
  const attach = 'npx tmuxorch attach';
  console.log(`\nThe fleet keeps running.`);
  console.log(`  watch it:  ${bold(attach)}   (detach with Ctrl-b d)`);
  console.log(`  inspect:   npx tmuxorch status`);
  console.log(`  stop it:   ${bold('npx tmuxorch stop --kill-workers')}`);
  console.log(`  projects:  ${base}   (the next demo replaces them; or: rm -rf ${base})`);

  // Expected: api and lib pass, web fails; fixed, web passes. Anything else: the demo went wrong.
  const statuses = Object.fromEntries(first.report.jobs.map((j) => [j.name, j.status]));
  const ok =
    first.code === 1 &&
    statuses.api === 'succeeded' &&
    statuses.web === 'failed' &&
    statuses.lib === 'succeeded' &&
    first.report.jobs.find((j) => j.name === 'web')?.tests?.failed === 1 &&
    fix.status === 'succeeded' &&
    second.code === 0 &&
    second.report.passed === 1 &&
    flow.body?.status === 'succeeded' &&
    testsOnMain;
  if (!ok) console.error(red('\nunexpected results: the demo did not behave as designed'));
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  console.error(`demo: ${error.message}`);
  process.exitCode = 1;
});
