// A policed worker's hooks reach the daemon with the worker's own key (state/worker-keys/), and
// a connection proven with it runs only that worker's hook operations: it can ask about its own
// tool calls and poll its own answers, and can neither answer them (approve/deny), nor run any
// other operation, nor speak for another worker. The key changes with each daemon start.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { homePaths } from '../../src/infrastructure/config/paths.js';
import { RpcClient } from '../../src/controller/rpc-client.js';
import type { CliFleet } from '../helpers/cli.js';
import { useCliFleet } from './cli-fleets.js';
import { addSimWorker, expectOk, type WorkerView } from './support.js';

async function asWorker(fleet: CliFleet, id: string, keyOf = id): Promise<RpcClient> {
  const paths = homePaths(String(fleet.env.TMUXORCH_HOME));
  return RpcClient.connect({ ...paths, worker: { id, keyFile: join(paths.workerKeysDir, `${keyOf}.key`) } });
}

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  return promise.then(
    () => ({}),
    (error: unknown) => error as { code?: string; message?: string },
  );
}

describe("a worker's own key", () => {
  let fleet: CliFleet;
  let coder: WorkerView;
  let other: WorkerView;
  useCliFleet(
    async (made) => {
      fleet = made;
      const sim = join(fleet.home.dir, 'sim');
      coder = await addSimWorker(fleet, 'coder', sim, 'one-shot', ['--role', 'coder']);
      other = await addSimWorker(fleet, 'other', sim, 'one-shot', ['--role', 'tester']);
    },
    { start: true },
  );

  it("runs the worker's own hook checks and nothing else", async () => {
    const client = await asWorker(fleet, coder.id);
    try {
      await expect(client.call('ping')).resolves.toBeDefined();
      const verdict = await client.call<{ decision: string }>('policyCheck', {
        worker: coder.id,
        tool: 'Write',
        input: { file_path: join(coder.project, '.env'), content: 'x' },
        cwd: coder.project,
      });
      expect(verdict.decision).toBe('deny');
      for (const [method, params] of [
        ['approve', { worker: coder.name }],
        ['deny', { worker: coder.id }],
        ['status', {}],
        ['send', { worker: coder.id, command: 'x' }],
        ['policyCheck', { worker: other.id, tool: 'Read', input: { file_path: '/etc/hosts' } }],
        ['policyAnswer', { worker: other.name, approval: 'a-1' }],
      ] as const) {
        const error = await refusal(client.call(method, params));
        expect(error.code, method).toBe('POLICY_REFUSED');
        expect(error.message).toContain("a worker's key runs only its own hook checks");
      }
    } finally {
      client.close();
    }
  });

  it('is no proof for another worker, and is replaced when the daemon starts again', async () => {
    expect((await refusal(asWorker(fleet, other.id, coder.id))).code).toBe('DAEMON_UNTRUSTED');
    const file = join(homePaths(String(fleet.env.TMUXORCH_HOME)).workerKeysDir, `${coder.id}.key`);
    const before = await readFile(file, 'utf8');
    await expectOk(fleet, ['stop']);
    await expectOk(fleet, ['start']);
    const after = await readFile(file, 'utf8');
    expect(after).not.toBe(before);
    const client = await asWorker(fleet, coder.id);
    client.close();
    await expectOk(fleet, ['remove-worker', 'other']);
    expect(await readFile(join(file, '..', `${other.id}.key`), 'utf8').catch(() => 'gone')).toBe('gone');
  });
});
