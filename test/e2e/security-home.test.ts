// Issue 11 §1: the home is its user's alone. Under umask 000 every directory comes out 0700 and
// every file 0600 (while a task still gets the user's umask); a home owned by another user, or
// writable by others, or one with a symbolic link planted where a log or the journal goes, is
// refused with one sentence before anything is written or a tmux server started; another user
// can neither reach the socket nor read a log. The tests that need a second user run as root and
// use an unused uid for it (a process can be given any uid by root; no account is needed).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_PATH, createCliFleet, type CliFleet } from '../helpers/cli.js';

const isRoot = process.getuid?.() === 0;
const OTHER_UID = 54_321;

function walk(dir: string, out: { path: string; mode: number; kind: string }[] = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stats = lstatSync(path);
    const kind = stats.isDirectory()
      ? 'dir'
      : stats.isSocket()
        ? 'socket'
        : stats.isSymbolicLink()
          ? 'link'
          : 'file';
    out.push({ path, mode: stats.mode & 0o7777, kind });
    if (stats.isDirectory()) walk(path, out);
  }
  return out;
}

async function serverAlive(fleet: CliFleet): Promise<boolean> {
  const result = await execa('tmux', ['-L', fleet.tmux.name, 'list-sessions'], { reject: false });
  return result.exitCode === 0;
}

function homeOf(fleet: CliFleet): string {
  return fleet.env.TMUXORCH_HOME ?? '';
}

let fleet: CliFleet | null = null;
afterEach(async () => {
  if (fleet) {
    await fleet.run(['stop', '--kill-workers']);
    await fleet.cleanup();
  }
  fleet = null;
});

describe('modes', () => {
  it('makes every directory 0700 and every file 0600 under umask 000, and gives tasks the user umask', async () => {
    fleet = await createCliFleet();
    const f = fleet;
    const project = await f.home.project('p');
    // Every command as a user with umask 000 would type it.
    const run = (args: string[]) =>
      execa('sh', ['-c', 'umask 000; exec "$@"', 'sh', process.execPath, CLI_PATH, ...args], {
        env: f.env,
        extendEnv: false,
        reject: false,
      });
    expect((await run(['start'])).exitCode).toBe(0);
    expect(
      (await run(['add-worker', '--type', 'shell', '--project', project, '--name', 'sh'])).exitCode,
    ).toBe(0);
    expect((await run(['add-worker', '--type', 'sim', '--project', project, '--name', 'ai'])).exitCode).toBe(
      0,
    );
    const sent = await run(['send', 'sh', 'echo out; touch made-by-task', '--wait']);
    expect(sent.exitCode, sent.stderr).toBe(0);
    expect((await run(['send', 'ai', 'say hello', '--wait'])).exitCode).toBe(0);
    const entries = walk(homeOf(f));
    expect(entries.filter((e) => e.kind === 'file').length).toBeGreaterThan(5);
    expect(entries.some((e) => e.path.includes(join('logs', 'workers')))).toBe(true);
    const loose = entries.filter((e) =>
      e.kind === 'dir' ? e.mode !== 0o700 : e.kind === 'link' ? false : (e.mode & 0o077) !== 0,
    );
    expect(loose.map((e) => `${e.mode.toString(8)} ${e.path}`)).toEqual([]);
    expect(lstatSync(homeOf(f)).mode & 0o777).toBe(0o700);
    // The task itself ran with the user's umask (000): its file is 0666.
    expect(lstatSync(join(project, 'made-by-task')).mode & 0o777).toBe(0o666);
  });
});

describe('homes that are not the user’s alone are refused', () => {
  it('refuses a home writable by others, says how to fix it, and starts no tmux server', async () => {
    fleet = await createCliFleet();
    await mkdir(homeOf(fleet), { recursive: true });
    chmodSync(homeOf(fleet), 0o777);
    const start = await fleet.json<{ error: { code: string; message: string } }>(['start']);
    expect(start.exitCode).toBe(1);
    expect(start.body.error.code).toBe('HOME_UNSAFE');
    expect(start.body.error.message).toContain('chmod 700');
    expect(readdirSync(homeOf(fleet))).toEqual([]);
    expect(await serverAlive(fleet)).toBe(false);
  });

  it('refuses a home under a directory others may write that is not sticky', async () => {
    fleet = await createCliFleet();
    const parent = join(fleet.home.dir, 'shared');
    await mkdir(parent);
    chmodSync(parent, 0o777);
    fleet.env.TMUXORCH_HOME = join(parent, 'home');
    const start = await fleet.json<{ error: { code: string } }>(['start']);
    expect(start.exitCode).toBe(1);
    expect(start.body.error.code).toBe('HOME_UNSAFE');
    expect(await serverAlive(fleet)).toBe(false);
  });

  it.skipIf(!isRoot)('refuses a home another user made (and planted a log link in)', async () => {
    fleet = await createCliFleet();
    const victim = join(fleet.home.dir, 'victim-file');
    await writeFile(victim, 'precious\n');
    await mkdir(join(homeOf(fleet), 'logs'), { recursive: true });
    await symlink(victim, join(homeOf(fleet), 'logs', 'controller.log'));
    chownSync(homeOf(fleet), OTHER_UID, OTHER_UID);
    chownSync(join(homeOf(fleet), 'logs'), OTHER_UID, OTHER_UID);
    for (const args of [['start'], ['stop']]) {
      const result = await fleet.run(args);
      expect(result.stdout + result.stderr).not.toContain('internal error');
    }
    const start = await fleet.json<{ error: { code: string; message: string } }>(['start']);
    expect(start.exitCode).toBe(1);
    expect(start.body.error.code).toBe('HOME_UNSAFE');
    expect(start.body.error.message).toContain('another user');
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await serverAlive(fleet)).toBe(false);
  });
});

describe('symbolic links planted in a home of ours', () => {
  for (const file of [join('logs', 'controller.log'), join('state', 'state.journal')]) {
    it(`refuses to write through a link at ${file}`, async () => {
      fleet = await createCliFleet();
      const victim = join(fleet.home.dir, 'victim-file');
      await writeFile(victim, 'precious\n');
      await mkdir(join(homeOf(fleet), file, '..'), { recursive: true, mode: 0o700 });
      chmodSync(homeOf(fleet), 0o700);
      await symlink(victim, join(homeOf(fleet), file));
      const start = await fleet.json<{ error: { code: string; message: string } }>(['start']);
      expect(start.exitCode).toBe(1);
      expect(start.body.error.code).toBe('HOME_UNSAFE');
      expect(start.body.error.message).toContain('symbolic link');
      expect((await fleet.run(['stop'])).exitCode).toBe(0);
      expect(await readFile(victim, 'utf8')).toBe('precious\n');
      expect(await serverAlive(fleet)).toBe(false);
    });
  }
});

describe.skipIf(!isRoot)('another user', () => {
  it('can neither reach the socket nor read a log or the state', async () => {
    fleet = await createCliFleet();
    const project = await fleet.home.project('p');
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    expect(
      (await fleet.run(['add-worker', '--type', 'shell', '--project', project, '--name', 'w'])).exitCode,
    ).toBe(0);
    const home = homeOf(fleet);
    // The test's temp dir is 0700 too; open it so only the home's own modes stand in the way.
    chmodSync(fleet.home.dir, 0o755);
    const probe = `
      const net = require('node:net'); const fs = require('node:fs');
      const out = {};
      for (const f of ['logs/controller.log', 'state/state.json', 'state/daemon.key'])
        try { fs.readFileSync(process.argv[1] + '/' + f); out[f] = 'read'; } catch (e) { out[f] = e.code; }
      try { fs.writeFileSync(process.argv[1] + '/state/bin/git', '#!/bin/sh\\n'); out.plant = 'planted'; } catch (e) { out.plant = e.code; }
      const s = net.connect(process.argv[1] + '/state/daemon.sock');
      s.on('connect', () => { out.socket = 'connected'; console.log(JSON.stringify(out)); process.exit(0); });
      s.on('error', (e) => { out.socket = e.code; console.log(JSON.stringify(out)); process.exit(0); });`;
    const result = spawnSync(process.execPath, ['-e', probe, home], {
      uid: OTHER_UID,
      gid: OTHER_UID,
      encoding: 'utf8',
      timeout: 20_000,
    });
    const seen = JSON.parse(result.stdout) as Record<string, string>;
    expect(seen).toEqual({
      'logs/controller.log': 'EACCES',
      'state/state.json': 'EACCES',
      'state/daemon.key': 'EACCES',
      plant: 'EACCES',
      socket: 'EACCES',
    });
  });
});

describe('leftovers of a failed or killed start', () => {
  it('refuses a socket path that holds something else before opening the fleet: no tmux server left', async () => {
    fleet = await createCliFleet();
    await mkdir(join(homeOf(fleet), 'state', 'daemon.sock'), { recursive: true, mode: 0o700 });
    chmodSync(homeOf(fleet), 0o700);
    const start = await fleet.json<{ error: { code: string; message: string } }>(['start']);
    expect(start.exitCode).toBe(1);
    expect(start.body.error.code).toBe('HOME_UNSAFE');
    expect(start.body.error.message).toContain('is not a socket');
    expect(await serverAlive(fleet)).toBe(false);
  });

  it('removes the temp files a killed daemon left beside state.json', async () => {
    fleet = await createCliFleet();
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    expect((await fleet.run(['stop'])).exitCode).toBe(0);
    const stale = join(homeOf(fleet), 'state', '.state.json.0123456789ab.tmp');
    await writeFile(stale, '{"half":', { mode: 0o600 });
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    expect(readdirSync(join(homeOf(fleet), 'state')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
