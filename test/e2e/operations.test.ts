// The operation table (application/contract/operations.ts) is the fleet's one list of operations: each is
// reachable through the daemon's socket (its input checked by its own schema there), through the
// `Fleet` API method it names and through the CLI command it names; and every CLI command that
// talks to the daemon is one of them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_NAMES, operations } from '../../src/application/contract/operations.js';
import { Fleet } from '../../src/controller/fleet.js';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { rawConnect } from '../helpers/raw-socket.js';

// Commands that run on the client alone, not an operation of the daemon.
// Commands of the client alone (`token` edits state/tokens.json, as `config` edits config.json;
// mcp serves many operations as MCP tools, src/controller/mcp/mcp-tools.ts, none as its own).
const CLIENT_COMMANDS = ['attach', 'config', 'doctor', 'mcp', 'recover', 'run', 'schema', 'token'];

describe('the operation table', () => {
  let fleet: CliFleet;

  beforeAll(async () => {
    fleet = await createCliFleet();
    expect((await fleet.run(['start'])).exitCode).toBe(0);
  });

  afterAll(async () => {
    await fleet.run(['stop', '--kill-workers']);
    await fleet.cleanup();
  });

  it('serves every operation on the socket, each checking its own input', async () => {
    const status = await fleet.json<{ daemon: { socket: string } }>(['status']);
    const home = String(fleet.env.TMUXORCH_HOME);
    const key = (await readFile(join(home, 'state', 'daemon.key'), 'utf8')).trim();
    const raw = await rawConnect(status.body.daemon.socket);
    await raw.prove(key);
    let id = 0;
    const ask = async (
      method: string,
      params: unknown,
    ): Promise<{ error?: { code: string; message: string } }> => {
      raw.write(`${JSON.stringify({ id: ++id, method, params })}\n`);
      return JSON.parse((await raw.nextLine()) ?? 'null') as { error?: { code: string; message: string } };
    };
    for (const name of OPERATION_NAMES) {
      // A number is no operation's input: the operation's own schema refuses it, by field.
      const answer = await ask(name, 42);
      expect(answer.error?.code, name).toBe('USAGE');
      expect(answer.error?.message, name).toMatch(/^bad /);
    }
    const unknown = await ask('dropTables', {});
    expect(unknown.error?.message).toMatch(/unknown method/);
    raw.destroy();
  });

  it('names a Fleet method and a CLI command for each operation offered there, and they exist', async () => {
    for (const name of OPERATION_NAMES) {
      const { api, cli } = operations[name];
      if (api !== null)
        expect(typeof (Fleet.prototype as unknown as Record<string, unknown>)[api], name).toBe('function');
      if (cli !== null) {
        // A command group's subcommand, such as `flow run`, is its words.
        const help = await fleet.run([...cli.split(' '), '--help']);
        expect(help.exitCode, `${name}: tmuxorch ${cli}`).toBe(0);
      }
    }
  });

  it('has an operation behind every CLI command that is not the client’s own', async () => {
    const help = await fleet.run(['--help']);
    const commands = help.stdout
      .slice(help.stdout.indexOf('Commands:'))
      .split('\n')
      .map((line) => /^ {2}([a-z][a-z-]*)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined && name !== 'help');
    const served = new Set(OPERATION_NAMES.map((name) => operations[name].cli?.split(' ')[0]));
    for (const command of commands) {
      if (CLIENT_COMMANDS.includes(command)) continue;
      expect(served.has(command), `tmuxorch ${command} has no operation`).toBe(true);
    }
  });

  it('reaches the same operations through the Fleet API, inputs checked', async () => {
    const api = await Fleet.connect({ env: fleet.env });
    try {
      await expect(api.capture('nobody')).rejects.toMatchObject({ code: 'WORKER_NOT_FOUND' });
      await expect(api.capture('x', { lines: -1 })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(api.revive('')).rejects.toMatchObject({ code: 'USAGE' });
      expect((await api.status()).workers).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
