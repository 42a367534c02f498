// Runs tasks in a real bash the two ways a worker shell runs them (a one-line command through the
// rc file's task function, anything else as a sourced script) and parses the real stdout with
// MarkerScanner.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReadyProbe,
  buildSourceLine,
  buildTaskFunction,
  buildTaskLine,
  buildTaskScript,
} from '../../src/domain/marker.js';
import { MarkerScanner, type ScanEvent } from '../../src/domain/marker-scanner.js';

let dir = '';
let rcFile = '';
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tmuxorch marker 'script' "));
  rcFile = join(dir, 'worker.bashrc');
  writeFileSync(rcFile, buildTaskFunction());
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  end: Extract<ScanEvent, { kind: 'end' }>;
  events: ScanEvent[];
  stdout: string;
  stderr: string;
  status: number | null;
  // Whether the typed line called the task function (else it sourced a script).
  viaFunction: boolean;
}

type Route = 'function' | 'script';

// Types the task's line into `bash -c` as the task runner would (the task function where the
// command allows it and `route` is 'function', else a sourced script), then runs `after` in the
// same shell. The shell starts without the function: the typed line must source the rc file.
function runTaskVia(
  route: Route,
  command: string,
  after = 'echo "survived rc=${__tmuxorch_rc-unset} pwd=$PWD"',
): Run {
  const taskId = `task-${process.pid}-${++counter}`;
  const path = join(dir, `${taskId}.sh`);
  const taskLine = route === 'function' ? buildTaskLine(taskId, command, rcFile) : null;
  if (taskLine === null) writeFileSync(path, buildTaskScript(taskId, command));
  const line = taskLine ?? buildSourceLine(path);
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', `cd /tmp\n${line}\n${after}`], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/home/tester', LC_ALL: 'C.UTF-8' },
    timeout: 10_000,
  });
  const scanner = new MarkerScanner();
  scanner.expectTask(taskId);
  const events = scanner.push(result.stdout);
  const end = events.find((e) => e.kind === 'end');
  if (end?.kind !== 'end')
    throw new Error(`no end marker in ${JSON.stringify(result.stdout)} / ${result.stderr}`);
  return {
    end,
    events,
    stdout: result.stdout,
    stderr: result.stderr,
    status: result.status,
    viaFunction: taskLine !== null,
  };
}

describe.each<Route>(['script', 'function'])('a task run through the %s route in a real bash', (route) => {
  const runTask = (command: string, after?: string): Run => runTaskVia(route, command, after);

  it('reports output and exit code 0 for a simple command', () => {
    const run = runTask('echo hello; echo world');
    expect(run.events.map((e) => e.kind)).toEqual(['begin', 'end']);
    expect(run.end).toMatchObject({
      exitCode: 0,
      output: 'hello\nworld\n',
      beginSeen: true,
      truncated: false,
    });
  });

  it('runs a heredoc command and still prints the end marker', () => {
    const run = runTask("cat <<EOF\nline one\nhome=$HOME\nEOF\ncat <<'RAW'\nno $expansion here\nRAW");
    expect(run.end).toMatchObject({
      exitCode: 0,
      output: 'line one\nhome=/home/tester\nno $expansion here\n',
    });
  });

  it('reports `exit 3` as exit code 3 and the sourcing shell survives', () => {
    const run = runTask('echo before\nexit 3\necho never');
    expect(run.end).toMatchObject({ exitCode: 3, output: 'before\n' });
    expect(run.stdout).toMatch(/survived rc=unset pwd=\/tmp\n$/);
    expect(run.status).toBe(0);
  });

  it('passes quotes, $HOME, ; and a last line without newline through unchanged', () => {
    const run = runTask(`echo 'single "double"' "it's $HOME"; echo a\\;b; printf '%s' "no newline"`);
    expect(run.end).toMatchObject({
      exitCode: 0,
      output: `single "double" it's /home/tester\na;b\nno newline`,
    });
  });

  it('gives empty output for a silent command and keeps a final newline', () => {
    expect(runTask('true').end).toMatchObject({ exitCode: 0, output: '', rawOutput: '' });
    expect(runTask('printf "abc\\n"').end.output).toBe('abc\n');
    expect(runTask('printf abc').end.output).toBe('abc');
  });

  it('contains `set -e; false`, cd and variables in the subshell', () => {
    const run = runTask(
      'set -e; cd /; FOO=leak; false; echo not reached',
      'echo "after foo=${FOO-unset} pwd=$PWD $-"',
    );
    expect(run.end).toMatchObject({ exitCode: 1, output: '' });
    const flags = /after foo=unset pwd=\/tmp (\S*)\n$/.exec(run.stdout)?.[1];
    expect(flags).toBeDefined();
    expect(flags).not.toContain('e');
  });

  it('still ends when the command has a syntax error (unmatched quote or parenthesis)', () => {
    const quote = runTask(`echo "unterminated`);
    expect(quote.end.exitCode).toBe(2);
    expect(quote.stdout).toContain('survived');
    const paren = runTask('echo first\necho a)\necho b');
    expect(paren.end.exitCode).toBe(2);
    expect(paren.stdout).toContain('survived');
  });

  it('keeps stderr out of stdout and reports signal deaths as 128+n', () => {
    expect(runTask('echo out; echo err >&2; exit 42').end).toMatchObject({ exitCode: 42, output: 'out\n' });
    expect(runTask('kill -TERM $BASHPID').end.exitCode).toBe(143);
  });

  it('reports when the command ended, by the shell clock', () => {
    const before = Date.now();
    const run = runTask('sleep 0.05');
    expect(run.end.endedAtMs).toBeGreaterThanOrEqual(before + 40);
    // The shell's clock has microseconds, Date.now() whole milliseconds: compare at the coarser one.
    expect(Math.floor(run.end.endedAtMs ?? Infinity)).toBeLessThanOrEqual(Date.now());
  });

  it('does not show the task function arguments to the command', () => {
    expect(runTask('echo "[$1][$2][$#]"').end.output).toBe('[][][0]\n');
  });

  it('prints a ready marker from the probe line', () => {
    const probeId = `probe-${process.pid}`;
    const result = spawnSync('bash', ['--norc', '-c', buildReadyProbe(probeId)], { encoding: 'utf8' });
    const scanner = new MarkerScanner();
    scanner.expectReady(probeId);
    expect(scanner.push(result.stdout)).toEqual([{ kind: 'ready', probeId }]);
  });
});

describe('the task function route', () => {
  it('is taken for one-line commands only', () => {
    expect(runTaskVia('function', "echo 'a;b' $HOME").viaFunction).toBe(true);
    expect(runTaskVia('function', 'echo a\necho b').viaFunction).toBe(false);
    expect(runTaskVia('function', `echo ${'x'.repeat(2000)}`).viaFunction).toBe(false);
  });

  it('works in a shell that already has the function, without sourcing the rc again', () => {
    const taskId = `task-${process.pid}-${++counter}`;
    const line = buildTaskLine(taskId, 'echo ok', join(dir, 'missing.bashrc'));
    const result = spawnSync('bash', ['--norc', '-c', `${buildTaskFunction()}\n${line ?? ''}`], {
      encoding: 'utf8',
    });
    const scanner = new MarkerScanner();
    scanner.expectTask(taskId);
    expect(scanner.push(result.stdout)).toMatchObject([
      { kind: 'begin' },
      { kind: 'end', exitCode: 0, output: 'ok\n' },
    ]);
    expect(result.stderr).toBe('');
  });
});
