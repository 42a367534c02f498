// Runs buildTaskScript's output in a real bash, sourced the way a worker shell sources it, and
// parses the real stdout with MarkerScanner.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReadyProbe, buildSourceLine, buildTaskScript } from '../../src/domain/marker.js';
import { MarkerScanner, type ScanEvent } from '../../src/domain/marker-scanner.js';

let dir = '';
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tmuxorch marker 'script' "));
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
}

// Sources the task script in `bash -c`, then runs `after` in the same (sourcing) shell.
function runTask(command: string, after = 'echo "survived rc=${__tmuxorch_rc-unset} pwd=$PWD"'): Run {
  const taskId = `task-${process.pid}-${++counter}`;
  const path = join(dir, `${taskId}.sh`);
  writeFileSync(path, buildTaskScript(taskId, command));
  const result = spawnSync(
    'bash',
    ['--norc', '--noprofile', '-c', `cd /tmp\n${buildSourceLine(path)}\n${after}`],
    {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/home/tester', LC_ALL: 'C.UTF-8' },
      timeout: 10_000,
    },
  );
  const scanner = new MarkerScanner();
  scanner.expectTask(taskId);
  const events = scanner.push(result.stdout);
  const end = events.find((e) => e.kind === 'end');
  if (end?.kind !== 'end')
    throw new Error(`no end marker in ${JSON.stringify(result.stdout)} / ${result.stderr}`);
  return { end, events, stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe('buildTaskScript in a real bash', () => {
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

  it('prints a ready marker from the probe line', () => {
    const probeId = `probe-${process.pid}`;
    const result = spawnSync('bash', ['--norc', '-c', buildReadyProbe(probeId)], { encoding: 'utf8' });
    const scanner = new MarkerScanner();
    scanner.expectReady(probeId);
    expect(scanner.push(result.stdout)).toEqual([{ kind: 'ready', probeId }]);
  });
});
