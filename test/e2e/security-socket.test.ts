// Issue 11 §1 and §5 (the socket): nobody else's daemon, nobody else in, and bad frames refused.
// - a deep home's socket no longer sits at a predictable name in /tmp, where another process
//   could listen first and receive the user's `--env` secrets;
// - both ends of every connection prove they can read the home's key file: a client that does not
//   is answered DAEMON_UNTRUSTED before anything it sent runs, and the CLI never sends a request
//   to a listener that cannot prove itself;
// - a request line is bounded, and a malformed one is a USAGE answer, not an internal error.
import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { rawConnect } from '../helpers/raw-socket.js';

interface DaemonBody {
  readonly pid: number;
  readonly socket: string;
  readonly alreadyRunning: boolean;
}

// A listener that is not the daemon; `reply` may answer each line it gets.
function listenOn(
  path: string,
  onLine: (line: string) => string | undefined,
  onConnection: () => void,
): Promise<Server> {
  const server = createServer((socket) => {
    onConnection();
    socket.setEncoding('utf8');
    // A line can arrive in several chunks: only whole lines count.
    let rest = '';
    socket.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts.filter(Boolean)) {
        const reply = onLine(line);
        if (reply !== undefined) socket.write(`${reply}\n`);
      }
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function vmRssKb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((text) =>
    Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0),
  );
}

describe('a deep home: the socket in a directory only its user can enter', () => {
  let fleet: CliFleet;
  let squatter: Server | null = null;
  let oldPath = '';

  beforeAll(async () => {
    // A home deep enough that <home>/state/daemon.sock is over the unix-socket limit.
    const deep = join('deep', 'x'.repeat(60), 'y'.repeat(40));
    fleet = await createCliFleet({ env: { XDG_RUNTIME_DIR: undefined } });
    const home = join(fleet.home.dir, deep);
    fleet.env.TMUXORCH_HOME = home;
    const hash = createHash('sha256').update(home).digest('hex').slice(0, 16);
    oldPath = join(tmpdir(), `tmuxorch-${hash}.sock`);
  });

  afterAll(async () => {
    await fleet.run(['stop', '--kill-workers']);
    if (squatter) await closeServer(squatter);
    await rm(oldPath, { force: true });
    await fleet.cleanup();
  });

  it('never talks to a process listening at the old predictable /tmp name, and starts its own daemon', async () => {
    const seen: string[] = [];
    let connections = 0;
    squatter = await listenOn(
      oldPath,
      (line) => {
        seen.push(line);
        return undefined;
      },
      () => connections++,
    );
    const start = await fleet.json<DaemonBody>(['start']);
    expect(start.exitCode).toBe(0);
    expect(start.body.alreadyRunning).toBe(false);
    const added = await fleet.run([
      'add-worker',
      '--type',
      'shell',
      '--project',
      fleet.home.dir,
      '--name',
      'w',
      '--env',
      'DEPLOY_TOKEN=dt-0123456789abcdef',
    ]);
    expect(added.exitCode, added.stderr).toBe(0);
    expect(connections).toBe(0);
    expect(seen).toEqual([]);
    // Where it listens instead: a 0700 directory of ours, not a name in /tmp itself.
    const dir = dirname(start.body.socket);
    expect(dir).not.toBe(tmpdir());
    const stats = lstatSync(dir);
    expect(stats.isDirectory()).toBe(true);
    expect(stats.uid).toBe(process.getuid?.());
    expect(stats.mode & 0o777).toBe(0o700);
  });
});

describe('every connection proves itself', () => {
  let fleet: CliFleet;
  let socketPath = '';
  let keyFile = '';

  beforeAll(async () => {
    fleet = await createCliFleet();
    const start = await fleet.json<DaemonBody>(['start']);
    expect(start.exitCode).toBe(0);
    socketPath = start.body.socket;
    keyFile = join(fleet.env.TMUXORCH_HOME ?? '', 'state', 'daemon.key');
  });

  afterAll(async () => {
    await fleet.run(['stop', '--kill-workers']);
    await fleet.cleanup();
  });

  it('answers a client that skips the handshake DAEMON_UNTRUSTED and runs nothing it sent', async () => {
    const raw = await rawConnect(socketPath);
    const params = { type: 'shell', project: fleet.home.dir, name: 'intruder' };
    raw.write(`${JSON.stringify({ id: 1, method: 'addWorker', params })}\n`);
    const answer = JSON.parse((await raw.nextLine()) ?? 'null') as { error: { code: string } };
    expect(answer.error.code).toBe('DAEMON_UNTRUSTED');
    await raw.closed();
    const list = await fleet.json<readonly { name: string }[]>(['list']);
    expect(list.body.map((w) => w.name)).not.toContain('intruder');
  });

  it('refuses a client whose proof is wrong (it guessed the key)', async () => {
    const raw = await rawConnect(socketPath);
    await raw.prove('0'.repeat(64));
    raw.write(`${JSON.stringify({ id: 1, method: 'ping' })}\n`);
    const answer = JSON.parse((await raw.nextLine()) ?? 'null') as { error?: { code: string } };
    expect(answer.error?.code).toBe('DAEMON_UNTRUSTED');
    await raw.closed();
  });

  it('answers a malformed frame as a USAGE error, without a stack trace in the log', async () => {
    const raw = await rawConnect(socketPath);
    await raw.prove((await readFile(keyFile, 'utf8')).trim());
    raw.write('this is not json\n');
    const notJson = JSON.parse((await raw.nextLine()) ?? 'null') as { error: { code: string } };
    expect(notJson.error.code).toBe('USAGE');
    raw.write(`${JSON.stringify({ method: 'ping' })}\n`);
    const noId = JSON.parse((await raw.nextLine()) ?? 'null') as { error: { code: string } };
    expect(noId.error.code).toBe('USAGE');
    raw.write(`${JSON.stringify({ id: 7, method: 'ping' })}\n`);
    const ping = JSON.parse((await raw.nextLine()) ?? 'null') as { id: number; result?: { pid: number } };
    expect(ping.id).toBe(7);
    expect(ping.result?.pid).toBeGreaterThan(0);
    raw.destroy();
    const log = await readFile(join(fleet.env.TMUXORCH_HOME ?? '', 'logs', 'controller.log'), 'utf8');
    expect(log).not.toContain('rpc failed');
  });

  it('refuses a request line over the limit as soon as it passes it, and keeps its memory', async () => {
    const pid = (await fleet.json<DaemonBody>(['status'])).body as unknown as { daemon: { pid: number } };
    const before = await vmRssKb(pid.daemon.pid);
    const raw = await rawConnect(socketPath);
    await raw.prove((await readFile(keyFile, 'utf8')).trim());
    const chunk = 'a'.repeat(1024 * 1024);
    let answered: string | null = null;
    const answer = raw.nextLine(60_000).then((line) => (answered = line));
    // 64 MiB without a newline: the daemon must answer long before the end of it.
    for (let i = 0; i < 64 && answered === null && !raw.socket.destroyed; i++) {
      if (!raw.socket.write(chunk))
        await Promise.race([new Promise((resolve) => raw.socket.once('drain', resolve)), raw.closed()]);
    }
    await answer;
    const reply = JSON.parse(answered ?? 'null') as { error: { code: string } };
    expect(reply.error.code).toBe('USAGE');
    raw.destroy();
    const after = await vmRssKb(pid.daemon.pid);
    expect(after - before).toBeLessThan(200 * 1024);
    expect((await fleet.run(['list'])).exitCode).toBe(0);
  });

  it('never sends a request to a listener that cannot prove it is the daemon', async () => {
    expect((await fleet.run(['stop'])).exitCode).toBe(0);
    const seen: string[] = [];
    // It answers the hello as a daemon would, but cannot know the key.
    const fakeHello = JSON.stringify({ hello: { nonce: 'a'.repeat(64), proof: 'b'.repeat(64) } });
    const impostor = await listenOn(
      socketPath,
      (line) => {
        seen.push(line);
        return fakeHello;
      },
      () => undefined,
    );
    await mkdir(dirname(keyFile), { recursive: true });
    await writeFile(keyFile, `${'1'.repeat(64)}\n`, { mode: 0o600 });
    try {
      const status = await fleet.json<{ error: { code: string } }>(['status']);
      expect(status.exitCode).toBe(1);
      expect(status.body.error.code).toBe('DAEMON_UNTRUSTED');
      // It saw nonces, nothing else: no method, no params. (Window 0's `status --watch`, still
      // running after `stop`, connects every second too, so there can be more than one.)
      expect(seen.length).toBeGreaterThanOrEqual(1);
      for (const line of seen) expect(line).toMatch(/^\{"hello":\{"nonce":"[0-9a-f]{64}"\}\}$/);
    } finally {
      await closeServer(impostor);
      await rm(keyFile, { force: true });
    }
  });
});
