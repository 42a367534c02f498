// Issue 11 §3: one daemon per home, always. The home's lock (flock, held for the daemon's life)
// has exactly one winner however many processes race for it; concurrent `start`s all answer
// truthfully (one "started", the others "already running" with the same pid, all exit 0); a
// second daemon of the same home leaves without writing anything.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';

const HOME_LOCK = resolve(import.meta.dirname, '../../dist/infrastructure/process/home-lock.js');

// Pids of the daemon processes of `home` (read from /proc: this kills nothing).
function daemonsOf(home: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!argv.includes('daemon')) continue;
      const env = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (env.includes(`TMUXORCH_HOME=${home}`)) pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

// Starts `count` processes that each try the lock when told to go, and report.
async function raceForLock(file: string, count: number): Promise<string[]> {
  const script = `
    const { tryLockHome } = await import(${JSON.stringify(HOME_LOCK)});
    process.stdin.once('data', () => {
      const lock = tryLockHome(${JSON.stringify(file)});
      process.stdout.write(lock ? 'won\\n' : 'lost\\n');
      process.stdin.once('end', () => process.exit(0));
    });
    process.stdout.write('ready\\n');`;
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const lines = children.map((child) => {
    const seen: string[] = [];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => seen.push(...chunk.split('\n').filter(Boolean)));
    return seen;
  });
  try {
    await waitFor(() => lines.every((seen) => seen.includes('ready')), { message: 'every racer is ready' });
    for (const child of children) child.stdin.write('go\n');
    await waitFor(() => lines.every((seen) => seen.length === 2), { message: 'every racer has tried' });
    return lines.map((seen) => seen[1] ?? '');
  } finally {
    for (const child of children) child.stdin.end();
    await Promise.all(
      children.map(
        (child) => new Promise((done) => (child.exitCode !== null ? done(null) : child.once('exit', done))),
      ),
    );
  }
}

describe('the home lock', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmuxorch-lock-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has exactly one winner when 5 processes take it at once, trial after trial', async () => {
    const winners: number[] = [];
    for (let trial = 0; trial < 10; trial++) {
      const results = await raceForLock(join(dir, `lock-${trial % 2}`), 5);
      winners.push(results.filter((r) => r === 'won').length);
      expect(results.filter((r) => r === 'won' || r === 'lost').length).toBe(5);
    }
    expect(winners).toEqual(Array.from({ length: 10 }, () => 1));
  }, 120_000);
});

describe('concurrent starts', () => {
  let fleet: CliFleet;
  beforeAll(async () => {
    fleet = await createCliFleet();
  });
  afterAll(async () => {
    await fleet.run(['stop', '--kill-workers']);
    await fleet.cleanup();
  });

  it('leave exactly one daemon, and every start says truthfully which', async () => {
    const home = fleet.env.TMUXORCH_HOME ?? '';
    for (let trial = 0; trial < 3; trial++) {
      const starts = await Promise.all(Array.from({ length: 5 }, () => fleet.run(['start', '--json'])));
      for (const start of starts) expect(start.exitCode, `${start.stderr}${start.stdout}`).toBe(0);
      const bodies = starts.map(
        (start) => JSON.parse(start.stdout) as { pid: number; alreadyRunning: boolean },
      );
      expect(bodies.filter((b) => !b.alreadyRunning).length).toBe(1);
      const pid = bodies[0]?.pid ?? 0;
      expect(bodies.every((b) => b.pid === pid)).toBe(true);
      await waitFor(() => daemonsOf(home).length === 1 || null, { message: 'the losing daemons have left' });
      expect(daemonsOf(home)).toEqual([pid]);
      expect((await fleet.run(['stop'])).exitCode).toBe(0);
      await waitFor(() => daemonsOf(home).length === 0 || null, { message: 'the daemon has stopped' });
    }
  }, 180_000);

  it('a second daemon of a running home leaves at once, saying who runs it, and writes nothing', async () => {
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    const home = fleet.env.TMUXORCH_HOME ?? '';
    const pid = await fleet.daemonPid();
    const stateFile = join(home, 'state', 'state.json');
    const before = { text: await readFile(stateFile, 'utf8'), mtime: (await stat(stateFile)).mtimeMs };
    const second = await fleet.run(['start', '--foreground']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`already running for ${home} (pid ${pid})`);
    expect(await readFile(stateFile, 'utf8')).toBe(before.text);
    expect((await stat(stateFile)).mtimeMs).toBe(before.mtime);
    expect(daemonsOf(home)).toEqual([pid]);
  });
});
