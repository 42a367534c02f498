// Regression tests for the tmux pitfalls of TMUX-LIMITS.md: each one broke a naive implementation.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quoteShellWord } from '../../src/infrastructure/tmux/argv.js';
import { useControlSession } from '../helpers/control-session.js';
import { waitFor } from '../helpers/wait-for.js';

describe('tmux pitfalls', () => {
  const session = useControlSession('tmuxorch-pitfalls-');

  const fileContent = (file: string) => readFile(file, 'utf8').catch(() => '');

  // A window running `cat > file`, created through the exec transport; returns its pane id.
  const catPane = async (file: string): Promise<string> =>
    session.server.newWindow(`cat > ${quoteShellWord(file)}`);

  it('creating windows with a control client attached leaves window-size alone and the server alive', async () => {
    const t = await session.connect();
    for (let i = 0; i < 5; i++) {
      expect((await t.run(['new-window', '-d'])).ok).toBe(true);
    }
    expect(await session.server.tmux('show', '-gv', 'window-size')).toBe('latest');
    expect((await session.server.tmux('list-windows', '-t', 'test')).split('\n')).toHaveLength(6);
    expect(t.closed).toBe(false);
    expect((await t.run(['display-message', '-p', '#{session_windows}'])).stdout).toEqual(['6']);
  });

  it('ExecTransport keeps a trailing ";" of a send-keys argument (escaped as "\\;")', async () => {
    const file = join(session.dir, 'semi.txt');
    const pane = await catPane(file);
    expect((await session.server.exec.run(['send-keys', '-t', pane, '-l', 'echo semi;'])).ok).toBe(true);
    expect((await session.server.exec.run(['send-keys', '-t', pane, '-l', 'a\\;'])).ok).toBe(true);
    expect((await session.server.exec.run(['send-keys', '-t', pane, 'Enter'])).ok).toBe(true);
    await waitFor(async () => (await fileContent(file)) === 'echo semi;a\\;\n', {
      message: 'cat got "echo semi;"',
    });
  });

  it('the pitfall itself: tmux eats a trailing ";" of an unescaped argv word', async () => {
    const file = join(session.dir, 'raw.txt');
    const pane = await catPane(file);
    await session.server.tmux('send-keys', '-t', pane, '-l', 'echo semi;'); // plain argv, no escapeArgvWord
    await session.server.tmux('send-keys', '-t', pane, 'Enter');
    await waitFor(async () => (await fileContent(file)).endsWith('\n'), { message: 'cat got a line' });
    expect(await fileContent(file)).toBe('echo semi\n');
  });

  it('ControlTransport does not expand $VAR, ~ or #{} in arguments', async () => {
    const t = await session.connect();
    const text = '$HOME ${HOME} ~ ~root "$HOME" #{pane_id}';
    expect((await t.run(['set', '-p', '@text', text])).ok).toBe(true);
    expect((await t.run(['show', '-pv', '@text'])).stdout).toEqual([text]);
    const file = join(session.dir, 'vars.txt');
    const pane = await catPane(file);
    expect((await t.run(['send-keys', '-t', pane, '-l', text])).ok).toBe(true);
    expect((await t.run(['send-keys', '-t', pane, 'Enter'])).ok).toBe(true);
    await waitFor(async () => (await fileContent(file)) === `${text}\n`, {
      message: 'cat got the literal text',
    });
  });
});
