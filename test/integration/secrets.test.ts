// No secret in clear: keys of every kind are planted (add-worker env by secret name, by a URL's
// password, typed into commands, printed by tasks, shaped like known keys), tasks run, a worker
// is revived and the controller restarted; then the whole home, tmux's message log, its global and
// session environments and its paste buffers are searched for each value: none may be found.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { nanoid } from 'nanoid';
import { describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/application/contract/views.js';
import { SECRET_LOST_REASON } from '../../src/application/tasks/secret-inputs.js';
import type { UserConfig } from '../../src/infrastructure/config/settings.js';
import { SessionStore } from '../../src/sim/session-store.js';
import { useTestFleets } from '../helpers/fleet.js';
import { createTmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const FAST: UserConfig = {
  healthIntervalMs: 3_600_000,
  restart: { maxRestarts: 5, windowMs: 60_000, baseDelayMs: 10, maxDelayMs: 20, factor: 1 },
};

const word = (n: number): string => nanoid(n).replace(/[^A-Za-z0-9]/g, 'x');

// Every file under `dir` (any depth) whose bytes contain `needle`.
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    if (bytes.includes(needle)) hits.push(file);
  }
  return hits;
}

describe('secrets never in clear', () => {
  const fleets = useTestFleets();

  it('leaves no planted secret in the home, the tmux message log, environments or buffers', async () => {
    const githubToken = `ghp_${word(36)}`;
    const mySecret = `mysecret-${word(16)}`;
    const dbPassword = `dbpw${word(14)}`;
    const databaseUrl = `postgres://app:${dbPassword}@db.internal:5432/app`;
    const typedPassword = `typed${word(14)}`;
    const anthropicKey = `sk-ant-api03-${word(40)}`;
    const openaiKey = `sk-${word(40)}`;
    const printedOnly = `printed${word(16)}`;
    const secrets = {
      githubToken,
      mySecret,
      dbPassword,
      typedPassword,
      anthropicKey,
      openaiKey,
      printedOnly,
    };

    const f = await fleets.open({ config: FAST });
    const env = { GITHUB_TOKEN: githubToken, MY_SECRET: mySecret, DATABASE_URL: databaseUrl, APP_MODE: 'x' };
    const w = await f.addShell('keeper', env);
    const run = async (command: string): Promise<TaskResult> =>
      f.fleet.wait((await f.fleet.send({ worker: w.name, command })).id);

    // The env reached the shell (lengths only: the values themselves are what must not show).
    const lengths = await run('echo "len=${#GITHUB_TOKEN},${#MY_SECRET},${#DATABASE_URL},$APP_MODE"');
    expect(lengths.output).toContain(`len=${githubToken.length},${mySecret.length},${databaseUrl.length},x`);

    // Printed by a task: cut out of its output (and of the pane log as it was written).
    const printed = await run('printf "%s\\n" "$GITHUB_TOKEN" "$MY_SECRET" "$DATABASE_URL"');
    expect(printed.status).toBe('succeeded');
    expect(printed.output).toContain('***');

    // Typed into commands: they still run with the real values, and are stored redacted.
    const typed = await run(`export FOO_PASSWORD=${typedPassword}; echo "got \${#FOO_PASSWORD}"`);
    expect(typed.output).toContain(`got ${typedPassword.length}`);
    expect(typed.command).toContain('FOO_PASSWORD=***');
    const keys = await run(
      `K1=${anthropicKey}; K2=${openaiKey}; echo "\${#K1} \${#K2}"; echo ${anthropicKey}`,
    );
    expect(keys.output).toContain(`${anthropicKey.length} ${openaiKey.length}`);
    expect(keys.exitCode).toBe(0);
    const byValue = await run(`[ "$MY_SECRET" = '${mySecret}' ] && echo same`);
    expect(byValue.output).toContain('same');
    const url = await run(`DATABASE_URL='${databaseUrl}' sh -c 'echo "\${#DATABASE_URL}"'`);
    expect(url.output).toContain(String(databaseUrl.length));
    // A secret only the task knows, in a form the shapes catch (NAME=value).
    await run(`v=${printedOnly.slice(0, 8)}; echo "API_TOKEN=\${v}${printedOnly.slice(8)}"`);

    // A revived worker (its shell killed) gets its env again.
    const paneId = f.worker(w.name).paneId ?? '';
    const killed = await f.fleet.send({ worker: w.name, command: 'kill -9 $$' });
    await waitFor(
      async () => (await f.tmux.tmux('display-message', '-p', '-t', paneId, '#{pane_dead}')).trim() === '1',
      { message: 'the worker shell died' },
    );
    await f.fleet.healthCheck();
    expect((await f.fleet.wait(killed.id)).status).toBe('lost');
    await f.waitIdle(w.name);
    const again = await run('echo "len=${#MY_SECRET}"');
    expect(again.output).toContain(`len=${mySecret.length}`);

    const status = JSON.stringify(await f.fleet.status());
    const capture = await f.fleet.capture(w.name, 500);

    // A queued task whose command held a secret, when the controller restarts before it runs: a
    // clear failure, never its `***` text run.
    const busy = await f.fleet.send({ worker: w.name, command: 'sleep 2' });
    const queued = await f.fleet.send({ worker: w.name, command: `echo MY_TOKEN=${typedPassword}x` });
    expect(queued.command).toContain('MY_TOKEN=***');
    await f.reopen();
    const lost = await f.fleet.wait(queued.id);
    expect(lost.status).toBe('failed');
    expect(lost.reason).toBe(SECRET_LOST_REASON);
    expect((await f.fleet.wait(busy.id)).status).toBe('succeeded');

    const tmuxText = [
      await f.tmux.tmux('show-messages'),
      await f.tmux.tmux('show-environment', '-g'),
      await f.tmux.tmux('show-environment', '-t', f.session),
    ].join('\n');
    const buffers = (await f.tmux.tmux('list-buffers', '-F', '#{buffer_name}')).split('\n').filter(Boolean);
    const bufferText = (await Promise.all(buffers.map((b) => f.tmux.tmux('show-buffer', '-b', b)))).join(
      '\n',
    );
    // tmux did log the commands it ran (else the search of its log would prove nothing).
    expect(tmuxText).toContain('new-window');

    const found: string[] = [];
    for (const [name, value] of Object.entries(secrets)) {
      for (const file of await filesHolding(f.home, value)) found.push(`${name} in ${file}`);
      if (tmuxText.includes(value)) found.push(`${name} in tmux messages/environment`);
      if (bufferText.includes(value)) found.push(`${name} in a paste buffer`);
      if (status.includes(value)) found.push(`${name} in status`);
      if (capture.includes(value)) found.push(`${name} in capture`);
    }
    expect(found).toEqual([]);
    expect(await readdir(join(f.settings.paths.stateDir, 'handoff'))).toEqual([]);
  }, 40_000);

  it('gives a worker rebuilt after a tmux server loss its env again, still off tmux command lines', async () => {
    const f = await fleets.open({ config: FAST });
    const mySecret = `mysecret-${word(16)}`;
    const w = await f.addShell('phoenix', { MY_SECRET: mySecret });
    await f.tmux.tmux('kill-server');
    await waitFor(() => f.fleet.workers().every((v) => v.state === 'idle' && v.restarts === 1), {
      message: 'the worker rebuilt after the server loss',
    });
    const task = await f.fleet.wait(
      (await f.fleet.send({ worker: w.name, command: 'echo "${#MY_SECRET}"' })).id,
    );
    expect(task.output).toBe(`${mySecret.length}\n`);
    const messages = await f.tmux.tmux('show-messages');
    expect(messages).toContain('new-window');
    expect(messages).not.toContain(mySecret);
    expect(await filesHolding(f.home, mySecret)).toEqual([]);
  }, 30_000);

  it('leaves no prompt file and no paste buffer after an interactive task', async () => {
    const f = await fleets.open({ config: FAST });
    const project = await f.project('tui');
    const w = await f.fleet.addWorker({ type: 'sim', project, name: 'tui', interactive: true });
    const prompt = `remember the word ${word(12)}`;
    const task = await f.fleet.wait((await f.fleet.send({ worker: w.name, command: prompt })).id);
    expect(task.status).toBe('succeeded');
    expect(await readdir(join(f.settings.paths.tasksDir, task.id)).catch(() => [])).not.toContain(
      'prompt.txt',
    );
    expect(await f.tmux.tmux('list-buffers')).toBe('');
    const sessions = join(f.settings.paths.stateDir, 'sim', 'sessions');
    for (const name of await readdir(sessions))
      expect((await stat(join(sessions, name))).mode & 0o777, name).toBe(0o600);
  }, 30_000);

  it("writes the sim agent's sessions 0600 in a 0700 directory", async () => {
    const tmp = await createTmpHome('tmuxorch-sim-');
    try {
      const store = new SessionStore({ TMUXORCH_SIM_HOME: tmp.dir });
      const session = store.create('/tmp/p');
      store.save({ ...session, turns: [{ prompt: 'p', reply: 'r', isError: false }] });
      expect((await stat(join(store.dir, `${session.id}.json`))).mode & 0o777).toBe(0o600);
      expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
    } finally {
      await tmp.remove();
    }
  });
});
