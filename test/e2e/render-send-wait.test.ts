// `send --wait` through the built CLI and its daemon (the bundled renderer, loaded on first use):
// the output a person saw on the pane, not the progress lines the task erased.
import { describe, expect, it } from 'vitest';
import type { CliFleet } from '../helpers/cli.js';
import { runJson, type TaskResult } from './support.js';
import { useCliFleet } from './cli-fleets.js';

describe('send --wait renders the output', () => {
  let fleet: CliFleet;

  useCliFleet((made) => (fleet = made), { shells: ['render'] });

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
