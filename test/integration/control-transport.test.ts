import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlTransport } from '../../src/infrastructure/tmux/control-transport.js';
import { quoteShellWord } from '../../src/infrastructure/tmux/argv.js';
import { useControlSession } from '../helpers/control-session.js';
import { createTestTmuxServer } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

const TRICKY = `$HOME ~ ~/x #not-a-comment a;b ;; 'single' "double" {brace} \\back\\slash\\ $(id) \`id\` é 🙂 end;`;

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error as { code?: unknown }).code,
  );
}

describe('ControlTransport', () => {
  const session = useControlSession('tmuxorch-control-');

  const connect = (): Promise<ControlTransport> => session.connect();

  // A pane running `cat > file`, so typed text lands in a file byte for byte.
  const catPane = async (t: ControlTransport, file: string): Promise<string> => {
    const result = await t.run([
      'new-window',
      '-d',
      '-P',
      '-F',
      '#{pane_id}',
      `cat > ${quoteShellWord(file)}`,
    ]);
    expect(result.ok).toBe(true);
    return result.stdout[0] as string;
  };

  it('attaches, skips the attach reply, and answers display-message', async () => {
    const t = await connect();
    expect(t.pid).toBeGreaterThan(0);
    expect(t.closed).toBe(false);
    const result = await t.run([
      'display-message',
      '-p',
      '#{pane_id} #{session_name} #{window_width}x#{window_height}',
    ]);
    expect(result).toMatchObject({ ok: true, stdout: ['%0 test 200x50'], stderr: '', timedOut: false });
    const failed = await t.run(['send-keys', '-t', '%99', 'x']);
    expect(failed.ok).toBe(false);
    expect(failed.stderr).not.toBe('');
  });

  it('answers 2000 pipelined commands in order', async () => {
    const t = await connect();
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => t.run(['display-message', '-p', `n${i}`])),
    );
    results.forEach((result, i) => expect(result.stdout).toEqual([`n${i}`]));
  });

  it('keeps replies aligned after commands that run nested commands', async () => {
    const t = await connect();
    const file = join(session.dir, 'two.conf');
    await writeFile(file, 'display-message -p from-file-1\ndisplay-message -p from-file-2\n');
    const [sourced, a, iff, b, bad, c] = await Promise.all([
      t.run(['source-file', file]),
      t.run(['display-message', '-p', 'A']),
      t.run(['if-shell', '-F', '1', 'display -p yes ; display -p again']),
      t.run(['display-message', '-p', 'B']),
      t.run(['if-shell', '-F', '1', 'no-such-command']),
      t.run(['display-message', '-p', 'C']),
    ]);
    expect(sourced).toMatchObject({ ok: true, stdout: ['from-file-1', 'from-file-2'] });
    expect(iff).toMatchObject({ ok: true, stdout: ['yes', 'again'] });
    expect(bad.ok).toBe(false);
    expect([a, b, c].map((r) => r.stdout)).toEqual([['A'], ['B'], ['C']]);
  });

  it('passes text with $, ~, #, ;, quotes, braces and backslashes byte-exact', async () => {
    const t = await connect();
    for (const text of [TRICKY, 'echo semi;', ';', '\\;', "'", '']) {
      expect((await t.run(['set', '-p', '@x', text])).ok).toBe(true);
      expect((await t.run(['show', '-pv', '@x'])).stdout).toEqual([text]);
    }
    const file = join(session.dir, 'typed.txt');
    const pane = await catPane(t, file);
    expect((await t.run(['send-keys', '-t', pane, '-l', TRICKY])).ok).toBe(true);
    expect((await t.run(['send-keys', '-t', pane, 'Enter'])).ok).toBe(true);
    expect((await t.run(['send-keys', '-t', pane, '-l', 'echo semi;'])).ok).toBe(true);
    expect((await t.run(['send-keys', '-t', pane, 'Enter'])).ok).toBe(true);
    const expected = `${TRICKY}\necho semi;\n`;
    await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')) === expected, {
      message: 'typed text in the cat file',
    });
  });

  it('emits %output as decoded bytes', async () => {
    const t = await connect();
    const seen = new Map<string, Buffer[]>();
    t.on('output', (paneId, data) => seen.set(paneId, [...(seen.get(paneId) ?? []), data]));
    const command = String.raw`printf 'X\303\251\t\\\033[1mY'; exec cat`;
    const pane = (await t.run(['new-window', '-d', '-P', '-F', '#{pane_id}', command])).stdout[0] as string;
    const expected = Buffer.from('Xé\t\\\x1b[1mY');
    await waitFor(() => Buffer.concat(seen.get(pane) ?? []).includes(expected), { message: '%output bytes' });
  });

  it('stops %output with noOutput', async () => {
    const t = await session.connect({ noOutput: true });
    let outputs = 0;
    t.on('output', () => outputs++);
    await t.run(['send-keys', '-t', '%0', '-l', 'echo quiet-$((40+2))']);
    await t.run(['send-keys', '-t', '%0', 'Enter']);
    await waitFor(async () => (await t.run(['capture-pane', '-p', '-t', '%0'])).stdout.includes('quiet-42'));
    expect(outputs).toBe(0);
  });

  it('resolves a timed-out command as timedOut and keeps the next reply aligned', async () => {
    const t = await connect();
    const slow = t.run(['run-shell', 'sleep 1'], { timeoutMs: 100 });
    const next = t.run(['display-message', '-p', 'next']);
    const late = await slow;
    expect(late).toMatchObject({ ok: false, timedOut: true, stdout: [] });
    expect(late.durationMs).toBeLessThan(900);
    expect(await next).toMatchObject({ ok: true, stdout: ['next'], timedOut: false });
    expect((await t.run(['display-message', '-p', 'after'])).stdout).toEqual(['after']);
  });

  it('emits exit and rejects pending and new commands when the server is killed', async () => {
    const t = await connect();
    const reasons: (string | undefined)[] = [];
    t.on('exit', (reason) => reasons.push(reason));
    const pending = codeOf(t.run(['run-shell', 'sleep 5']));
    await session.server.kill();
    await waitFor(() => reasons.length === 1, { message: 'exit event' });
    expect(await pending).toBe('TMUX_SERVER_GONE');
    expect(t.closed).toBe(true);
    expect(await codeOf(t.run(['display-message', '-p', 'x']))).toBe('TMUX_SERVER_GONE');
    await waitFor(() => isGone(t.pid), { message: 'control client process gone' });
    expect(reasons).toHaveLength(1);
  });

  it('close() detaches, is idempotent, and leaves no process behind', async () => {
    const t = await connect();
    let exits = 0;
    t.on('exit', () => exits++);
    await Promise.all([t.close(), t.close()]);
    await t.close();
    expect(t.closed).toBe(true);
    await waitFor(() => isGone(t.pid), { message: 'control client process gone' });
    expect(exits).toBe(1);
    expect(await codeOf(t.run(['display-message', '-p', 'x']))).toBe('TMUX_SERVER_GONE');
    expect(await session.server.tmux('display-message', '-p', '-t', 'test', '#{session_name}')).toBe('test');
  });

  it('rejects connect with typed errors', async () => {
    const noSession = ControlTransport.connect({ socket: session.server.socket, session: 'nope' });
    expect(await codeOf(noSession)).toBe('TMUX_SERVER_GONE');
    const other = createTestTmuxServer();
    try {
      expect(await codeOf(ControlTransport.connect({ socket: other.socket, session: 'test' }))).toBe(
        'TMUX_SERVER_GONE',
      );
    } finally {
      await other.kill();
    }
    const missing = ControlTransport.connect({
      socket: session.server.socket,
      session: 'test',
      tmuxBinary: join(session.dir, 'tmux'),
    });
    expect(await codeOf(missing)).toBe('TMUX_NOT_FOUND');
  });
});
