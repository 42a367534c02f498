// The built tmuxorch-sim binary, driven as tmuxorch drives a real agent CLI: one-shot runs parsed
// as `claude -p --output-format json` output, and the interactive TUI typed into through a real
// tmux pane (bracketed paste, Enter, the approval menu), on a private tmux server.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestTmuxServer, type TestTmuxServer } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

const SIM_PATH = resolve(import.meta.dirname, '../../dist/bin/tmuxorch-sim.js');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface SimRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface SimResult {
  readonly is_error: boolean;
  readonly error_kind: string | null;
  readonly result: string;
  readonly session_id: string;
  readonly num_turns: number;
  readonly total_cost_usd: number;
  readonly files_changed: string[];
}

let root: string;
let home: string;
let project: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tmuxorch-sim-cli-'));
  home = join(root, 'home');
  project = join(root, 'project');
  await mkdir(project);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

// The sim's own switches are cleared so that one set in the developer's shell cannot leak in.
function simEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMUXORCH_SIM_HOME: home, ...extra };
  for (const key of ['TMUXORCH_SIM_LOGGED_OUT', 'TMUXORCH_SIM_TRUST', 'TMUXORCH_SIM_DROP_ENTER']) {
    if (!(key in extra)) delete env[key];
  }
  return env;
}

function sim(args: readonly string[], extra: Record<string, string> = {}): Promise<SimRun> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [SIM_PATH, ...args],
      { cwd: project, env: simEnv(extra), timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
    // A one-shot run must never wait on stdin.
    child.stdin?.end();
  });
}

async function simJson(args: readonly string[], extra: Record<string, string> = {}) {
  const run = await sim([...args, '--output-format', 'json'], extra);
  return { ...run, json: JSON.parse(run.stdout) as SimResult };
}

describe('tmuxorch-sim -p', () => {
  it('runs a turn and reports it as one JSON result line', async () => {
    const { code, json } = await simJson(['-p', 'write a.txt: hi']);
    expect(code).toBe(0);
    expect(json).toMatchObject({ is_error: false, error_kind: null, files_changed: ['a.txt'], num_turns: 1 });
    expect(json.session_id).toMatch(UUID);
    expect(typeof json.total_cost_usd).toBe('number');
    expect(json.total_cost_usd).toBeGreaterThan(0);
    expect(await readFile(join(project, 'a.txt'), 'utf8')).toBe('hi\n');
  });

  it('resumes a session, and refuses to reuse its id for a new one', async () => {
    const first = await simJson(['-p', 'write a.txt: hi']);
    const id = first.json.session_id;
    const second = await simJson(['--resume', id, '-p', 'say more']);
    expect(second.code).toBe(0);
    expect(second.json).toMatchObject({ session_id: id, num_turns: 2, is_error: false });
    const reused = await sim(['--session-id', id, '-p', 'hello']);
    expect(reused.code).not.toBe(0);
    expect(reused.stderr).toContain('already in use');
  });

  it('takes a session id chosen by the caller', async () => {
    const id = '123e4567-e89b-42d3-a456-426614174000';
    const { code, json } = await simJson(['--session-id', id, '-p', 'hello']);
    expect(code).toBe(0);
    expect(json.session_id).toBe(id);
  });

  it('fail: exits 1 with is_error', async () => {
    const { code, json } = await simJson(['-p', 'fail: x']);
    expect(code).toBe(1);
    expect(json).toMatchObject({ is_error: true, error_kind: 'failed', result: 'error: x' });
  });

  it('denies a question without --yes and approves it with --yes', async () => {
    const denied = await simJson(['-p', 'ask: ok?']);
    expect(denied.code).toBe(1);
    expect(denied.json).toMatchObject({ is_error: true, error_kind: 'denied' });
    expect(denied.stderr).toContain('denied (no --yes): ok?');
    const approved = await simJson(['-p', 'ask: ok?', '--yes']);
    expect(approved.code).toBe(0);
    expect(approved.json).toMatchObject({ is_error: false, result: 'approved: ok?' });
  });

  it('acts logged out when told to, in a turn and in auth status', async () => {
    const out = { TMUXORCH_SIM_LOGGED_OUT: '1' };
    const { code, json } = await simJson(['-p', 'write a.txt: hi'], out);
    expect(code).toBe(1);
    expect(json).toMatchObject({ is_error: true, error_kind: 'auth' });
    expect(json.result).toContain('Not logged in');
    expect(existsSync(join(project, 'a.txt'))).toBe(false);
    const status = await sim(['auth', 'status'], out);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ loggedIn: false });
    const loggedIn = await sim(['auth', 'status']);
    expect(loggedIn.code).toBe(0);
    expect(JSON.parse(loggedIn.stdout)).toMatchObject({ loggedIn: true });
  });

  it('exits 2 on an unknown option', async () => {
    const run = await sim(['--no-such-option', '-p', 'hi']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tmuxorch-sim: /);
    expect(run.stdout).toBe('');
  });

  it('runs the Stop hook of a --settings file with the last assistant message', async () => {
    const hookOut = join(root, 'stop.json');
    const settings = join(root, 'settings.json');
    const hooks = { hooks: { Stop: [{ hooks: [{ type: 'command', command: `cat > '${hookOut}'` }] }] } };
    await writeFile(settings, JSON.stringify(hooks));
    const { code, json } = await simJson(['--settings', settings, '-p', 'write a.txt: hi\nhello']);
    expect(code).toBe(0);
    // The run waits for its hooks, so the file is complete once the process has exited.
    const event = JSON.parse(await readFile(hookOut, 'utf8')) as Record<string, unknown>;
    expect(event).toMatchObject({
      hook_event_name: 'Stop',
      session_id: json.session_id,
      cwd: project,
      last_assistant_message: json.result,
    });
  });
});

describe('tmuxorch-sim interactive, in a tmux pane', () => {
  let server: TestTmuxServer | null = null;

  afterEach(async () => {
    await server?.kill();
    server = null;
  });

  const screen = (): Promise<string> => server!.tmux('capture-pane', '-p', '-t', 'sim');

  // The input box is what lies between the last two horizontal rules of the screen.
  const inputBox = (text: string): string => {
    const lines = text.split('\n');
    const rules = lines.flatMap((line, i) => (/^─+$/.test(line) ? [i] : []));
    const [top, bottom] = rules.slice(-2);
    return top === undefined || bottom === undefined ? '' : lines.slice(top + 1, bottom).join('\n');
  };

  // Throwing on a miss puts the last screen into waitFor's timeout message.
  const waitForScreen = (needle: string): Promise<string> =>
    waitFor(
      async () => {
        const text = await screen();
        if (!text.includes(needle)) throw new Error(`screen is:\n${text}`);
        return text;
      },
      { timeoutMs: 30_000, message: `screen shows "${needle}"` },
    );

  const fileIs = (file: string, content: string): Promise<boolean> =>
    waitFor(async () => (await readFile(join(project, file), 'utf8').catch(() => '')) === content, {
      timeoutMs: 30_000,
      message: `${file} holds ${JSON.stringify(content)}`,
    });

  async function startTui(extra: Record<string, string> = {}): Promise<void> {
    server = createTestTmuxServer();
    const env = Object.entries({ TMUXORCH_SIM_HOME: home, ...extra }).flatMap(([k, v]) => [
      '-e',
      `${k}=${v}`,
    ]);
    // remain-on-exit keeps a crashed sim's last words on the screen for the timeout message.
    // prettier-ignore
    await server.tmux(
      'new-session', '-d', '-s', 'sim', '-x', '120', '-y', '30', '-c', project, ...env,
      process.execPath, SIM_PATH, ';', 'set-option', '-w', '-t', 'sim', 'remain-on-exit', 'on',
    );
    await waitForScreen('? for shortcuts');
  }

  // As tmuxorch submits a prompt: a bracketed paste (newlines stay in the box), then Enter.
  async function paste(text: string): Promise<void> {
    const file = join(root, 'paste.txt');
    await writeFile(file, text);
    await server!.tmux('load-buffer', '-b', 'task', file);
    await server!.tmux('paste-buffer', '-p', '-d', '-b', 'task', '-t', 'sim');
  }

  it('takes a pasted two-line task, asks before going on and runs it once approved', async () => {
    await startTui();
    await paste('ask: go?\nwrite t.txt: yes');
    const pasted = await waitFor(async () => {
      const box = inputBox(await screen());
      return box.includes('write t.txt: yes') ? box : null;
    });
    // Both lines in the one box: the newline of the paste did not submit the first line alone.
    expect(pasted).toBe('> ask: go?\n  write t.txt: yes');
    await server!.tmux('send-keys', '-t', 'sim', 'Enter');
    const question = await waitForScreen('Do you want to proceed?');
    expect(question).toContain('go?');
    expect(question).toContain('❯ 1. Yes');
    expect(existsSync(join(project, 't.txt'))).toBe(false);
    await server!.tmux('send-keys', '-t', 'sim', 'Enter');
    const done = await waitForScreen('✔ Done in');
    expect(done).toContain('approved: go?');
    await fileIs('t.txt', 'yes\n');
  });

  it('with TMUXORCH_SIM_DROP_ENTER=1 leaves the paste in the box after the first Enter', async () => {
    await startTui({ TMUXORCH_SIM_DROP_ENTER: '1' });
    await paste('write d.txt: dropped');
    await waitFor(async () => inputBox(await screen()) === '> write d.txt: dropped');
    await server!.tmux('send-keys', '-t', 'sim', 'Enter');
    // A swallowed Enter changes nothing, so all there is to wait for is the absence of a turn.
    await expect(
      waitFor(async () => (await screen()).includes('Done in'), { timeoutMs: 300 }),
    ).rejects.toThrow(/timed out/);
    expect(inputBox(await screen())).toBe('> write d.txt: dropped');
    expect(existsSync(join(project, 'd.txt'))).toBe(false);
    await server!.tmux('send-keys', '-t', 'sim', 'Enter');
    await waitForScreen('✔ Done in');
    await fileIs('d.txt', 'dropped\n');
    expect(inputBox(await screen())).toBe('>');
  });
});
