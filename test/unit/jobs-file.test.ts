// readJobsFile: both file shapes, both formats, and errors that point at the file, line, column and
// field at fault — a user fixing a jobs file should not have to guess where the problem is.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskFileError, UsageError } from '../../src/domain/errors.js';
import { readJobsFile } from '../../src/controller/cli/jobs-file.js';
import { useJobsFiles } from '../helpers/jobs-files.js';

const jobs = useJobsFiles('tmuxorch-jobs-file-');
const { write, read } = jobs;

// The TaskFileError a bad file raises, with the message's `<file>:` prefix checked and removed.
async function failure(ext: string, text: string): Promise<string> {
  const file = await write(ext, text);
  const error: unknown = await readJobsFile(file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TaskFileError);
  expect((error as TaskFileError).code).toBe('TASK_FILE_INVALID');
  const message = (error as Error).message;
  expect(message.startsWith(`${file}:`)).toBe(true);
  return message.slice(file.length + 1);
}

describe('readJobsFile: the two shapes', () => {
  it('reads the object form and returns defaults apart from the jobs', async () => {
    const plan = await read(
      'yaml',
      [
        'concurrency: 2',
        'failFast: true',
        'defaults:',
        '  command: make',
        '  timeout: 5m',
        '  retries: 1',
        '  env: { CI: "1" }',
        'jobs:',
        '  - project: a',
        '  - project: b',
        '    name: bee',
        '    command: npm test',
        '    type: sim',
        '    timeout: 1500ms',
        '    interactive: true',
      ].join('\n'),
    );
    expect(plan.concurrency).toBe(2);
    expect(plan.failFast).toBe(true);
    expect(plan.defaults).toEqual({ command: 'make', timeoutMs: 300_000, retries: 1, env: { CI: '1' } });
    // Not merged: a job that leaves a field out leaves it undefined for the caller to fill.
    expect(plan.jobs[0]).toEqual({ project: join(jobs.dir, 'a') });
    expect(plan.jobs[0]?.command).toBeUndefined();
    expect(plan.jobs[0]?.timeoutMs).toBeUndefined();
    expect(plan.jobs[1]).toEqual({
      project: join(jobs.dir, 'b'),
      name: 'bee',
      command: 'npm test',
      type: 'sim',
      timeoutMs: 1500,
      interactive: true,
    });
  });

  it('reads a top-level list as the jobs, with no defaults, concurrency or failFast', async () => {
    const plan = await read('yml', '- project: a\n  command: echo a\n- project: b\n  command: echo b\n');
    expect(plan.concurrency).toBeUndefined();
    expect(plan.failFast).toBeUndefined();
    expect(plan.defaults).toEqual({});
    expect(plan.jobs.map((j) => [j.project, j.command])).toEqual([
      [join(jobs.dir, 'a'), 'echo a'],
      [join(jobs.dir, 'b'), 'echo b'],
    ]);
  });

  it('reads JSON in either shape', async () => {
    const list = await read('json', JSON.stringify([{ project: 'x', command: 'true', timeout: 1.5 }]));
    expect(list.jobs).toEqual([{ project: join(jobs.dir, 'x'), command: 'true', timeoutMs: 1500 }]);
    const object = await read('json', JSON.stringify({ concurrency: 4, jobs: [{ project: '/abs/p' }] }));
    expect(object.concurrency).toBe(4);
    expect(object.jobs).toEqual([{ project: '/abs/p' }]);
  });
});

describe('readJobsFile: values', () => {
  it('resolves relative projects against the file, not the working directory', async () => {
    const plan = await read(
      'yaml',
      'jobs:\n  - project: ../up\n  - project: ./here/there\n  - project: /abs\n',
    );
    expect(plan.jobs.map((j) => j.project)).toEqual([
      resolve(jobs.dir, '../up'),
      join(jobs.dir, 'here/there'),
      '/abs',
    ]);
    expect(process.cwd()).not.toBe(jobs.dir);
  });

  it('expands ~ and ~/ to the home directory, and only those', async () => {
    const plan = await read('yaml', 'jobs:\n  - project: ~/p/q\n  - project: "~"\n  - project: ~other/z\n');
    expect(plan.jobs.map((j) => j.project)).toEqual([
      join(homedir(), 'p/q'),
      homedir(),
      join(jobs.dir, '~other/z'),
    ]);
  });

  it('takes timeouts as 30s, 1500ms, 5m, 1h or a number of seconds', async () => {
    const timeouts = ['30s', '1500ms', '5m', '1h', 90, '"90"', 0.25];
    const text = `jobs:\n${timeouts.map((t) => `  - project: p\n    timeout: ${t}\n`).join('')}`;
    const plan = await read('yaml', text);
    expect(plan.jobs.map((j) => j.timeoutMs)).toEqual([
      30_000, 1500, 300_000, 3_600_000, 90_000, 90_000, 250,
    ]);
  });

  it('turns number and boolean env values into strings', async () => {
    const plan = await read('yaml', 'jobs:\n  - project: p\n    env: { PORT: 8080, CI: true, NAME: x }\n');
    expect(plan.jobs[0]?.env).toEqual({ PORT: '8080', CI: 'true', NAME: 'x' });
  });

  it('takes a YAML scalar command (`true`, `42`) as the text written', async () => {
    const plan = await read(
      'yaml',
      'jobs:\n  - project: p\n    command: true\n  - project: q\n    command: 42\n',
    );
    expect(plan.jobs.map((j) => j.command)).toEqual(['true', '42']);
  });

  it('says a file that is not there cannot be read (a usage error, not a file error)', async () => {
    await expect(readJobsFile(join(jobs.dir, 'missing.yaml'))).rejects.toThrow(UsageError);
  });
});

describe('readJobsFile: errors at line:col and field', () => {
  it('reports an unknown key at the key itself', async () => {
    expect(await failure('yaml', 'jobs:\n  - project: x\n    command: echo\n    bogus: 1\n')).toBe(
      '4:5: jobs[0].bogus: is not a field a job file knows',
    );
    expect(await failure('yaml', 'jobs:\n  - project: x\nfoo: 1\n')).toBe(
      '3:1: foo: is not a field a job file knows',
    );
    expect(await failure('json', '{\n  "jobs": [\n    {"project": "x", "nope": 1}\n  ]\n}\n')).toBe(
      '3:22: jobs[0].nope: is not a field a job file knows',
    );
  });

  it('refuses project and name in defaults, where they make no sense', async () => {
    expect(await failure('yaml', 'defaults:\n  timeout: 1s\n  project: x\njobs:\n  - project: x\n')).toBe(
      '3:3: defaults.project: is not a field a job file knows',
    );
  });

  it('reports a missing project at the job that lacks it', async () => {
    const msg = await failure('yaml', 'jobs:\n  - project: ok\n  - command: echo hi\n    name: x\n');
    expect(msg).toMatch(/^3:5: jobs\[1\]\.project: /);
    // In a top-level list the job is one level up in the file.
    // (and is named as the file has it: there is no `jobs` key).
    expect(await failure('yaml', '- project: a\n- command: b\n')).toMatch(/^2:3: \[1\]\.project: /);
  });

  it('reports an unknown key in a top-level list at the key', async () => {
    expect(await failure('yaml', '- project: x\n  command: a\n- project: y\n  extra: 1\n')).toBe(
      '4:3: [1].extra: is not a field a job file knows',
    );
  });

  it('reports wrong types at the value', async () => {
    const job = (field: string) => `jobs:\n  - project: x\n    ${field}\n`;
    expect(await failure('yaml', job('retries: "2"'))).toMatch(/^3:14: jobs\[0\]\.retries: .*number/);
    expect(await failure('yaml', job('retries: 1.5'))).toMatch(/^3:14: jobs\[0\]\.retries: .*int/);
    expect(await failure('yaml', job('interactive: "yes"'))).toMatch(
      /^3:18: jobs\[0\]\.interactive: .*boolean/,
    );
    expect(await failure('yaml', job('env: [1]'))).toMatch(/^3:10: jobs\[0\]\.env: .*record/);
    expect(await failure('yaml', job('command: [ls]'))).toMatch(/^3:14: jobs\[0\]\.command: /);
    expect(await failure('yaml', 'concurrency: 0\njobs:\n  - project: x\n')).toMatch(/^1:14: concurrency: /);
    expect(await failure('yaml', 'failFast: 1\njobs:\n  - project: x\n')).toMatch(
      /^1:11: failFast: .*boolean/,
    );
  });

  it('reports bad values with the reason', async () => {
    const job = (field: string) => `jobs:\n  - project: x\n    ${field}\n`;
    expect(await failure('yaml', job('timeout: 10q'))).toBe(
      '3:14: jobs[0].timeout: takes a duration such as 30s, 1500ms or 5m (got "10q")',
    );
    expect(await failure('yaml', job('timeout: 0'))).toMatch(/^3:14: jobs\[0\]\.timeout: /);
    expect(await failure('yaml', job('timeout: 0.0001'))).toBe(
      '3:14: jobs[0].timeout: must be more than zero',
    );
    expect(await failure('yaml', job('command: "   "'))).toBe('3:14: jobs[0].command: must not be empty');
    expect(await failure('yaml', job('name: "bad name"'))).toMatch(/^3:11: jobs\[0\]\.name: must be letters/);
    expect(await failure('yaml', job('type: Bad'))).toMatch(/^3:11: jobs\[0\]\.type: must be shell/);
    expect(await failure('yaml', job('env: { 1A: x }'))).toMatch(/^3:\d+: jobs\[0\]\.env/);
    expect(await failure('yaml', 'jobs:\n  - project: ""\n')).toBe(
      '2:14: jobs[0].project: must not be empty',
    );
  });

  it('refuses a file with no jobs', async () => {
    expect(await failure('yaml', 'concurrency: 2\njobs: []\n')).toBe('2:7: jobs: must list at least one job');
    expect(await failure('json', '[]')).toMatch(/^1:1: top level: must list at least one job/);
    expect(await failure('yaml', 'concurrency: 2\n')).toMatch(/^1:1: jobs: /);
    expect(await failure('yaml', '')).toMatch(/^1:1: top level: /);
  });

  it('reports JSON syntax errors at their line and column', async () => {
    // The stray comma before `}`: JSON.parse names the offset of the `}`, line 3 column 21.
    expect(await failure('json', '{\n  "jobs": [\n    {"project": "x",}\n  ]\n}\n')).toMatch(
      /^3:21: not valid JSON \(/,
    );
    // JSON is strict even though the YAML parser (used to locate errors) would accept this.
    expect(await failure('json', '{"jobs": [{"project": "x"}],}')).toMatch(/^1:29: not valid JSON/);
    // Node names no position for input that ends too early: the end of the file is where it broke.
    expect(await failure('json', '{"jobs": [\n  {"project": "x"')).toMatch(/^2:18: not valid JSON/);
  });

  it('reports YAML syntax errors as such, with a line:col', async () => {
    expect(await failure('yaml', 'jobs:\n  - project: x\n    command: a\n    command: b\n')).toMatch(
      /^\d+:\d+: not valid YAML \(Map keys must be unique\)$/,
    );
    expect(await failure('yml', 'jobs:\n  - project: x\n\tcommand: a\n')).toMatch(
      /^\d+:\d+: not valid YAML \(/,
    );
  });

  // Located from the error's offset (with prettyErrors off, the yaml library fills no linePos).
  it('reports a YAML syntax error at the line where it is', async () => {
    expect(await failure('yaml', 'jobs:\n  - project: x\n    command: a\n    command: b\n')).toMatch(
      /^4:5: /,
    );
    expect(await failure('yaml', 'jobs:\n  - project: x\n\tcommand: a\n')).toMatch(/^3:1: /);
  });
});
