// `send --wait` through the built CLI and its daemon (the bundled renderer, loaded on first use):
// the output a person saw on the pane, not the progress lines the task erased.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { addShell, cleanupAndCheck, expectOk, runJson, type TaskResult } from './support.js';

describe('send --wait renders the output', () => {
  let fleet: CliFleet;

  beforeAll(async () => {
    fleet = await createCliFleet();
    await expectOk(fleet, ['start']);
    await addShell(fleet, 'render');
  });

  afterAll(async () => {
    await cleanupAndCheck(fleet);
  });

  it('prints only what a person saw', async () => {
    const command =
      "printf 'RUNS ./a.test.js\\r\\033[K'; printf 'RUNS ./b.test.js\\n\\033[1A\\033[K'; echo 'final line'";
    const { exitCode, body } = await runJson<TaskResult>(fleet, ['send', 'render', '--wait', '--', command]);
    expect(exitCode).toBe(0);
    expect(body.output).toBe('final line\n');
    const plain = await fleet.run(['send', 'render', '--wait', '--', command]);
    // (execa drops the last line break of what the CLI printed.)
    expect(plain.stdout).toBe('final line');
  });
});
