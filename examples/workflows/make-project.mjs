#!/usr/bin/env node
// Makes the git project examples/workflows/fix-bugs.yaml fixes: two modules with a bug each
// (math.add subtracts, text.capitalize lower-cases) and their node:test tests, committed on
// `main`. Usage: node examples/workflows/make-project.mjs DIR
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  process.stderr.write('usage: node examples/workflows/make-project.mjs DIR\n');
  process.exit(2);
}
if (existsSync(dir) && readdirSync(dir).length > 0) {
  process.stderr.write(`${dir} is not empty: give a new directory\n`);
  process.exit(2);
}

const files = {
  'package.json': `${JSON.stringify({ name: 'buggy', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`,
  'src/math.js':
    'export function add(a, b) {\n  return a - b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n',
  'src/text.js': 'export function capitalize(word) {\n  return word.toLowerCase();\n}\n',
  'test/math.test.js':
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add, mul } from '../src/math.js';\n\ntest('add adds', () => assert.equal(add(2, 3), 5));\ntest('mul multiplies', () => assert.equal(mul(2, 3), 6));\n",
  'test/text.test.js':
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { capitalize } from '../src/text.js';\n\ntest('capitalize upper-cases the first letter', () => assert.equal(capitalize('hello'), 'Hello'));\n",
  'README.md': '# buggy\n\nTwo bugs for a workflow to fix: `npm test` fails until both are.\n',
};
for (const [name, text] of Object.entries(files)) {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
}
const git = (...args) =>
  execFileSync('git', args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'tmuxorch example',
      GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'example@localhost',
      GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'tmuxorch example',
      GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'example@localhost',
    },
  });
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-q', '-m', 'buggy: two modules, two bugs');
process.stdout.write(`${dir}\n`);
