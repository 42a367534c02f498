#!/usr/bin/env node
// The demo behind `npm run demo`: three generated projects (one with a failing test), one shell
// worker each, their test suites run in parallel through the controller, the results collected.
// Then the bundled sim agent (tmuxorch-sim) fixes the failing project's test in one task and the
// suite runs again. The fleet keeps running afterwards so you can attach and look around.
//
// It drives the built CLI exactly as a user would, so it honours TMUXORCH_HOME, TMUXORCH_SOCKET
// and TMUXORCH_SESSION (defaults: ~/.tmuxorch, your tmux server, session agent-system).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

// node's test runner ends with `ℹ pass 3` / `ℹ fail 1` (spec reporter) or `# pass 3` (TAP).
function summary(output) {
  const count = (word) => new RegExp(`^(?:ℹ|#) ${word} (\\d+)$`, 'm').exec(output)?.[1];
  const pass = count('pass');
  return pass === undefined ? '' : `${pass} passed, ${count('fail') ?? 0} failed`;
}

async function main() {
  const base = await mkdtemp(join(tmpdir(), 'tmuxorch-demo-'));
  console.log(bold('tmuxorch demo') + dim(`  (projects in ${base})`));
  const dirs = await Promise.all(PROJECTS.map((p) => makeProject(base, p)));

  const { body: daemon } = await tmuxorch('start');
  console.log(
    `${green('✓')} controller ${daemon.alreadyRunning ? 'already running' : 'started'} (pid ${daemon.pid}), tmux session ${daemon.session}`,
  );

  // A re-run replaces the workers of the previous demo.
  const { body: workers } = await tmuxorch('list');
  for (const w of workers.filter((w) => w.name.startsWith('demo-'))) await tmuxorch('remove-worker', w.name);
  for (const [i, p] of PROJECTS.entries()) {
    const { body: w } = await tmuxorch(
      'add-worker',
      '--type',
      'shell',
      '--project',
      dirs[i],
      '--name',
      `demo-${p.name}`,
    );
    console.log(`${green('✓')} worker ${w.name} in ${dirs[i]} (pane ${w.paneId})`);
  }

  const started = Date.now();
  const ids = await Promise.all(
    PROJECTS.map(
      async (p) => (await tmuxorch('send', `demo-${p.name}`, '--timeout', '2m', '--', 'npm', 'test')).body.id,
    ),
  );
  console.log(`… running npm test in ${ids.length} projects in parallel`);
  const results = await Promise.all(ids.map(async (id) => (await tmuxorch('result', id, '--wait')).body));
  console.log(dim(`all done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`));

  const rows = results.map((r) => [
    r.worker,
    r.status === 'succeeded' ? green(r.status) : red(r.status),
    String(r.exitCode ?? '-'),
    `${((r.durationMs ?? 0) / 1000).toFixed(1)}s`,
    summary(r.output ?? ''),
  ]);
  const head = ['WORKER', 'STATUS', 'EXIT', 'TIME', 'TESTS'];
  const visible = (text) => text.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '').length;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i]))));
  const line = (cells) =>
    cells
      .map((c, i) => c + ' '.repeat(widths[i] - visible(c)))
      .join('  ')
      .trimEnd();
  console.log(bold(line(head)));
  for (const row of rows) console.log(line(row));

  const failed = results.find((r) => r.status !== 'succeeded');
  if (failed)
    console.log(`\n${dim(`output of ${failed.id} (the failing project): tmuxorch result ${failed.id}`)}`);

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
  const { body: rerun } = await tmuxorch(
    'send',
    '--wait',
    'demo-web',
    '--timeout',
    '2m',
    '--',
    'npm',
    'test',
  );
  const paint = rerun.status === 'succeeded' ? green : red;
  console.log(`  demo-web re-run: ${paint(rerun.status)}  ${summary(rerun.output ?? '')}`);
  const attach = daemon.tmuxSocket
    ? `tmux -L ${daemon.tmuxSocket} attach -t ${daemon.session}`
    : `tmux attach -t ${daemon.session}`;
  console.log(`\nThe fleet keeps running.`);
  console.log(`  watch it:  ${bold(attach)}   (detach with Ctrl-b d)`);
  console.log(`  inspect:   npx tmuxorch status`);
  console.log(`  stop it:   ${bold('npx tmuxorch stop --kill-workers')}`);

  // Expected: api and lib pass, web fails. Anything else means the demo itself went wrong.
  const expected = { 'demo-api': 'succeeded', 'demo-web': 'failed', 'demo-lib': 'succeeded' };
  const ok =
    results.every((r) => expected[r.worker] === r.status) &&
    fix.status === 'succeeded' &&
    rerun.status === 'succeeded';
  if (!ok) console.error(red('\nunexpected results: the demo did not behave as designed'));
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  console.error(`demo: ${error.message}`);
  process.exitCode = 1;
});
