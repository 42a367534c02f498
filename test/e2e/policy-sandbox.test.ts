// Enforced roles through the CLI, the sandbox layer: a role with `sandbox: true` runs its worker's
// whole shell under bubblewrap. The worker's project is writable, every other path read-only, and
// the network is its own empty namespace unless a `net` rule allows it. The fleet lives under
// /var/tmp, not /tmp: the sandbox puts a private tmpfs over /tmp, which would hide a project
// there. Skipped without /usr/bin/bwrap.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, type CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { addShell, addSimWorker, expectOk, workerView, type WorkerView } from './support.js';
import { sendTask, sendWait, waitResult } from './task-commands.js';
import { useCliFleet } from './cli-fleets.js';

// A write the command check cannot see (a program's own): the sandbox's to stop.
const writeWith = (file: string): string => `node -e "require('fs').writeFileSync('${file}', 'x')"`;

const BWRAP = '/usr/bin/bwrap';
const hasBwrap = existsSync(BWRAP);
if (!hasBwrap)
  console.warn(`policy-sandbox.test.ts skipped: ${BWRAP} is not installed (apt-get install bubblewrap)`);

// Outside /tmp, so it is the same directory inside the sandbox and out.
const PARENT = '/var/tmp';

describe.skipIf(!hasBwrap)('sandboxed roles: a shell worker under bubblewrap', () => {
  let fleet: CliFleet;
  let outside: string;
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    outside = await mkdtemp(join(PARENT, 'tmuxorch-outside-'));
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('reached');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(outside, { recursive: true, force: true });
  });

  useCliFleet(
    async (made) => {
      fleet = made;
      const home = String(fleet.env.TMUXORCH_HOME);
      await mkdir(home, { recursive: true });
      await writeFile(
        join(home, 'config.json'),
        JSON.stringify({
          roles: {
            boxed: { extends: 'coder', sandbox: true },
            'boxed-net': { extends: 'coder', sandbox: true, rules: ['net allow *'] },
          },
        }),
      );
      await expectOk(fleet, ['start']);
    },
    { parentDir: PARENT },
  );

  async function addBoxed(name: string, role: string): Promise<WorkerView> {
    const body = await addShell(fleet, name, role);
    expect(body).toMatchObject({ sandboxed: true });
    return body;
  }

  // A request to the test's loopback server from inside the worker (`node *` is a coder's).
  const fetchLine = (path: string): string =>
    `node -e "require('http').get('http://127.0.0.1:${port}${path}', (r) => { r.resume(); console.log('status', r.statusCode); }).on('error', (e) => { console.log('network error', e.code); process.exit(3); })"`;

  it('the project is writable; a path outside it is read-only, even where the rules allow the command', async () => {
    const worker = await addBoxed('boxed', 'boxed');
    const inside = await sendWait(fleet, 'boxed', 'echo hi > ok.txt && cat ok.txt');
    expect(inside.body, JSON.stringify(inside.body)).toMatchObject({ status: 'succeeded', output: 'hi\n' });
    expect(existsSync(join(worker.project, 'ok.txt'))).toBe(true);

    // `node *` is a coder's command, and its write is none the rules see: only the sandbox stops it.
    const touched = join(outside, 'touched.txt');
    const touch = await sendWait(fleet, 'boxed', writeWith(touched));
    expect(touch.body.status, JSON.stringify(touch.body)).toBe('failed');
    expect(touch.body.output).toMatch(/read-only file system/i);
    expect(existsSync(touched)).toBe(false);

    // A redirection outside the workspace is an edit the coder is asked about; approved, the
    // sandbox still refuses it.
    const target = join(outside, 'outside.txt');
    const id = await sendTask(fleet, 'boxed', `echo x > ${target}`);
    const asking = await waitFor(
      async () => {
        const w = await workerView(fleet, 'boxed');
        return w.state === 'awaiting_approval' ? w : null;
      },
      { message: 'the edit outside is asked about' },
    );
    expect(asking.awaitingApproval).toBe(`role boxed: rule "edit ask /**" asks about editing ${target}`);
    await expectOk(fleet, ['approve', 'boxed']);
    const { result } = await waitResult(fleet, id);
    expect(result.status, JSON.stringify(result)).toBe('failed');
    expect(result.output).toContain('Read-only file system');
    expect(existsSync(target)).toBe(false);
  });

  it("hides the daemon's key and the other workers' keys: the CLI inside cannot reach the daemon, so it cannot approve its own asks", async () => {
    const home = String(fleet.env.TMUXORCH_HOME);
    const peer = await addSimWorker(fleet, 'peer', join(home, 'sim'), 'one-shot', ['--role', 'coder']);
    expect(existsSync(join(home, 'state', 'worker-keys', `${peer.id}.key`))).toBe(true);
    const look = `node -e "const fs=require('fs');const h=process.env.TMUXORCH_HOME;console.log('key', fs.readFileSync(h+'/state/daemon.key','utf8').length, 'keys', fs.readdirSync(h+'/state/worker-keys').join(','))"`;
    const { body } = await sendWait(fleet, 'boxed', look);
    const boxed = await workerView(fleet, 'boxed');
    expect(body, JSON.stringify(body)).toMatchObject({
      status: 'succeeded',
      output: `key 0 keys ${boxed.id}.key\n`,
    });
    // Outside, the key is there (the same home).
    expect(readFileSync(join(home, 'state', 'daemon.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    // tmuxorch itself stays visible inside (also from a checkout under /tmp, beneath its tmpfs).
    const approve = await sendWait(fleet, 'boxed', `node ${CLI_PATH} approve boxed`);
    expect(approve.body.status).toBe('failed');
    expect(approve.body.output).toContain('daemon is not running');
  });

  it('without a net rule it has no network: a loopback server outside sees nothing', async () => {
    const { body } = await sendWait(fleet, 'boxed', fetchLine('/from-boxed'));
    expect(body, JSON.stringify(body)).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(body.output).toMatch(/^network error E(CONNREFUSED|NETUNREACH)/);
    expect(hits).not.toContain('/from-boxed');
  });

  it('with "net allow *" the same request reaches the server', async () => {
    await addBoxed('boxed-net', 'boxed-net');
    const { body } = await sendWait(fleet, 'boxed-net', fetchLine('/from-boxed-net'));
    expect(body, JSON.stringify(body)).toMatchObject({ status: 'succeeded', output: 'status 200\n' });
    expect(hits).toContain('/from-boxed-net');
    // Still read-only outside its project.
    const touched = join(outside, 'net-touched.txt');
    const touch = await sendWait(fleet, 'boxed-net', writeWith(touched));
    expect(touch.body.output).toMatch(/read-only file system/i);
    expect(existsSync(touched)).toBe(false);
  });
});
