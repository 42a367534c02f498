// Machine output is never cut: a `--json` answer of a megabyte read through a pipe whose reader
// waits a second before reading arrives whole (the CLI used to exit 50 ms after its last write,
// leaving 64 KiB in the pipe and the rest unwritten).
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, createCliFleet, type CliFleet } from '../helpers/cli.js';

const MIB = 1024 * 1024;

// Runs the CLI with its stdout into `sleep 1; cat` (a reader that is slow to start).
async function throughSlowPipe(fleet: CliFleet, args: readonly string[]): Promise<string> {
  const quoted = [process.execPath, CLI_PATH, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const result = await execa('sh', ['-c', `${quoted} | (sleep 1; cat)`], {
    env: fleet.env,
    extendEnv: false,
    maxBuffer: 64 * MIB,
  });
  return result.stdout;
}

describe('--json through a slow pipe', () => {
  let fleet: CliFleet;
  let taskId = '';

  beforeAll(async () => {
    fleet = await createCliFleet();
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    const project = await fleet.home.project('p');
    expect(
      (await fleet.run(['add-worker', '--type', 'shell', '--project', project, '--name', 'w'])).exitCode,
    ).toBe(0);
    // 1 MiB of output: 10,486 lines of 99 characters and a newline.
    const sent = await fleet.json<{ id: string }>([
      'send',
      'w',
      `head -c ${MIB} /dev/zero | tr '\\0' a | fold -w 99`,
    ]);
    taskId = sent.body.id;
    expect((await fleet.run(['result', taskId, '--wait'])).exitCode).toBe(0);
  });

  afterAll(async () => {
    await fleet.run(['stop', '--kill-workers']);
    await fleet.cleanup();
  });

  it('gives result --json whole', async () => {
    const text = await throughSlowPipe(fleet, ['result', taskId, '--json']);
    const body = JSON.parse(text) as { output: string };
    expect(body.output.replace(/\n/g, '').length).toBe(MIB);
  });

  it('gives status --json whole', async () => {
    const text = await throughSlowPipe(fleet, ['status', '--json']);
    const body = JSON.parse(text) as { workers: unknown[] };
    expect(body.workers.length).toBe(1);
  });
});
