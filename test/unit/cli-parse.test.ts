// Flag value parsing (parse.ts) and `send --file` task files (task-file.ts).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homedir } from 'node:os';
import {
  collect,
  nonEmpty,
  parseProject,
  parseCount,
  parseDuration,
  parseEnvPairs,
  parsePriority,
  parseWorkerType,
} from '../../src/controller/cli/parse.js';
import { readTaskFile } from '../../src/controller/cli/task-file.js';
import { createTmpHome, type TmpHome } from '../helpers/tmp-home.js';

// The code of what `fn` throws (or rejects with).
async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['1500ms', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['0.5s', 500],
    [' 3s ', 3_000],
  ])('%s -> %d ms', (value, ms) => {
    expect(parseDuration(value, '--timeout')).toBe(ms);
  });

  it.each(['', 'abc', '5d', '-1s', '1e3', 's', '0', '0ms', '0.4ms', '0.0001s', '1.2.3s'])(
    'rejects %j with USAGE',
    async (value) => {
      expect(await codeOf(() => parseDuration(value, '--timeout'))).toBe('USAGE');
    },
  );

  // Node's timers overflow past 2^31-1 ms and fire at once: such a timeout would end a task at once.
  it('takes up to 2^31-1 ms and refuses longer', async () => {
    expect(parseDuration(`${2 ** 31 - 1}ms`, '--timeout')).toBe(2 ** 31 - 1);
    expect(await codeOf(() => parseDuration(`${2 ** 31}ms`, '--timeout'))).toBe('USAGE');
    expect(await codeOf(() => parseDuration('700h', '--timeout'))).toBe('USAGE');
  });
});

describe('parseEnvPairs', () => {
  it('parses KEY=VALUE, keeps = inside values and empty values', () => {
    expect(parseEnvPairs(['A=1', 'URL=http://x/?a=b', 'EMPTY='], {})).toEqual({
      A: '1',
      URL: 'http://x/?a=b',
      EMPTY: '',
    });
  });

  it('takes a bare KEY from the environment', () => {
    expect(parseEnvPairs(['TOKEN'], { TOKEN: 'from-env' })).toEqual({ TOKEN: 'from-env' });
  });

  it('rejects a bare KEY that is not set, and bad names, with USAGE', async () => {
    expect(await codeOf(() => parseEnvPairs(['MISSING'], {}))).toBe('USAGE');
    for (const bad of ['1A=x', 'A-B=x', '=x', 'A B=x'])
      expect(await codeOf(() => parseEnvPairs([bad], {}))).toBe('USAGE');
  });

  it('refuses a value with a line break (tmux cannot pass it to a pane), naming the variable', async () => {
    for (const bad of ['A=one\ntwo', 'A=one\r\n', 'A=\n'])
      expect(await codeOf(() => parseEnvPairs([bad], {}))).toBe('USAGE');
    expect(await codeOf(() => parseEnvPairs(['PEM'], { PEM: '-----BEGIN\nx' }))).toBe('USAGE');
    expect(parseEnvPairs(['A=tab\there'], {})).toEqual({ A: 'tab\there' });
  });

  it('lets a later pair win', () => {
    expect(parseEnvPairs(['A=1', 'A=2'], {})).toEqual({ A: '2' });
  });
});

describe('other flag values', () => {
  it('parses priorities and worker types, else USAGE', async () => {
    for (const p of ['critical', 'high', 'normal', 'low']) expect(parsePriority(p)).toBe(p);
    expect(await codeOf(() => parsePriority('urgent'))).toBe('USAGE');
    expect(await codeOf(() => parsePriority('HIGH'))).toBe('USAGE');
    expect(parseWorkerType('shell')).toBe('shell');
    expect(parseWorkerType('claude')).toBe('claude');
    // A type config.json adds is only known to the daemon: here the shape is checked.
    expect(parseWorkerType('my-agent')).toBe('my-agent');
    expect(await codeOf(() => parseWorkerType('Bash Shell'))).toBe('USAGE');
    expect(await codeOf(() => parseWorkerType(''))).toBe('USAGE');
  });

  it('parses counts within bounds', async () => {
    expect(parseCount('0', '--retries')).toBe(0);
    expect(parseCount('7', '--retries', 10)).toBe(7);
    // Number('') is 0: an empty value is not a count.
    for (const bad of ['-1', '1.5', 'x', '11', '', ' ', '1e1', '0x5'])
      expect(await codeOf(() => parseCount(bad, '--retries', 10))).toBe('USAGE');
  });

  it('refuses empty values rather than taking the default, and resolves projects here', async () => {
    expect(await codeOf(() => nonEmpty('', '--name', 'a name'))).toBe('USAGE');
    expect(await codeOf(() => nonEmpty('  ', '--name', 'a name'))).toBe('USAGE');
    expect(nonEmpty('api', '--name', 'a name')).toBe('api');
    expect(await codeOf(() => parseProject(''))).toBe('USAGE');
    expect(parseProject('sub/api', '--project', '/srv')).toBe('/srv/sub/api');
    expect(parseProject('/abs', '--project', '/srv')).toBe('/abs');
    expect(parseProject('~/api', '--project', '/srv')).toBe(`${homedir()}/api`);
  });

  it('collects repeated flags', () => {
    expect(collect('b', collect('a'))).toEqual(['a', 'b']);
  });
});

describe('readTaskFile', () => {
  let tmp: TmpHome;
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(tmp.dir, name);
    await writeFile(path, text);
    return path;
  };

  beforeAll(async () => {
    tmp = await createTmpHome('tmuxorch-taskfile-');
  });

  afterAll(async () => {
    await tmp.remove();
  });

  it('reads a JSON task with all its fields', async () => {
    const path = await file(
      'ok.json',
      JSON.stringify({ command: 'make test', timeout: '2m', priority: 'high', retries: 2 }),
    );
    expect(await readTaskFile(path)).toEqual({
      command: 'make test',
      timeoutMs: 120_000,
      priority: 'high',
      retries: 2,
    });
    const seconds = await file('secs.json', JSON.stringify({ command: 'x', timeout: 1.5 }));
    expect(await readTaskFile(seconds)).toEqual({ command: 'x', timeoutMs: 1_500 });
    // Fractions of a millisecond are rounded: state.json keeps whole milliseconds.
    const fraction = await file('fraction.json', JSON.stringify({ command: 'x', timeout: 1.2345 }));
    expect(await readTaskFile(fraction)).toEqual({ command: 'x', timeoutMs: 1_235 });
    const bare = await file('bare.json', JSON.stringify({ command: 'echo hi' }));
    expect(await readTaskFile(bare)).toEqual({ command: 'echo hi' });
  });

  it('rejects an unknown field with TASK_FILE_INVALID naming it', async () => {
    const path = await file('unknown.json', JSON.stringify({ command: 'x', timout: '5s' }));
    const error = await readTaskFile(path).then(
      () => null,
      (e: unknown) => e as { code: string; details: Record<string, unknown> },
    );
    expect(error?.code).toBe('TASK_FILE_INVALID');
    expect(error?.details.file).toBe(path);
  });

  it('rejects bad JSON, an empty command, a bad priority and a bad timeout', async () => {
    expect(await codeOf(async () => readTaskFile(await file('bad.json', '{"command": ')))).toBe(
      'TASK_FILE_INVALID',
    );
    const empty = await readTaskFile(await file('empty.json', '{"command": ""}')).catch(
      (e: unknown) => e as { code: string; details: { field?: string } },
    );
    expect(empty).toMatchObject({ code: 'TASK_FILE_INVALID', details: { field: 'command' } });
    expect(
      await codeOf(async () => readTaskFile(await file('prio.json', '{"command": "x", "priority": "asap"}'))),
    ).toBe('TASK_FILE_INVALID');
    expect(await codeOf(async () => readTaskFile(await file('array.json', '["x"]')))).toBe(
      'TASK_FILE_INVALID',
    );
    for (const timeout of ['"soon"', '"0s"', '-5', '0.0000001']) {
      const bad = await file('timeout.json', `{"command": "x", "timeout": ${timeout}}`);
      expect(await codeOf(() => readTaskFile(bad))).toBe('TASK_FILE_INVALID');
    }
  });

  it('rejects a missing file with TASK_FILE_INVALID', async () => {
    expect(await codeOf(() => readTaskFile(join(tmp.dir, 'nope.json')))).toBe('TASK_FILE_INVALID');
  });

  it('reads a .yaml/.yml task with the same fields, not as a shell script', async () => {
    const yaml = await file('task.yaml', 'command: make test\ntimeout: 2m\npriority: high\n');
    expect(await readTaskFile(yaml)).toEqual({ command: 'make test', timeoutMs: 120_000, priority: 'high' });
    expect(await readTaskFile(await file('task.yml', 'command: echo hi\n'))).toEqual({ command: 'echo hi' });
    for (const [name, text] of [
      ['bad.yaml', 'command: [unclosed\n'],
      ['unknown.yaml', 'command: x\ncolour: blue\n'],
      ['jobs.yaml', 'jobs:\n  - project: .\n    command: x\n'],
      ['list.yml', '- project: .\n  command: x\n'],
      ['empty.yaml', ''],
    ] as const)
      expect(await codeOf(async () => readTaskFile(await file(name, text))), name).toBe('TASK_FILE_INVALID');
  });

  it('takes any other file as a shell script, minus one final newline', async () => {
    const script = "set -e\ncd sub\ncat <<'EOF'\n$HOME\nEOF\n";
    expect(await readTaskFile(await file('task.sh', script))).toEqual({
      command: "set -e\ncd sub\ncat <<'EOF'\n$HOME\nEOF",
    });
    expect(await codeOf(async () => readTaskFile(await file('blank.sh', '  \n\n')))).toBe(
      'TASK_FILE_INVALID',
    );
  });
});
