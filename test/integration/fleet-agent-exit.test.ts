// An interactive agent whose TUI refuses to start (as gemini did when typed `--session-id` for a
// conversation that already existed) is revived on the restart policy and ends `failed`; its
// lastError names the cause in the CLI's own words, read off its pane, on each death and at the end.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useStandInAgents } from '../helpers/stand-in-agents.js';
import { waitFor } from '../helpers/wait-for.js';

const agents = useStandInAgents();

const REFUSAL = 'Error starting session: Session ID "x" already exists. Use --resume to resume it.';

describe('an interactive agent that exits at start', () => {
  it('ends failed after its restarts with what the CLI printed as the cause', async () => {
    const { dir } = await agents.bin();
    const program = join(dir, 'refuser');
    await writeFile(program, `#!/bin/sh\necho 'some banner'\necho '${REFUSAL}'\nexit 42\n`, { mode: 0o755 });
    const fleet = await agents.fleet({
      pathPrefix: dir,
      config: {
        healthIntervalMs: 200,
        restart: { maxRestarts: 1, windowMs: 600_000, baseDelayMs: 50, maxDelayMs: 50, factor: 1 },
        agents: {
          refuser: {
            binary: 'refuser',
            interactive: {
              argv: ['refuser'],
              resumeArgv: null,
              submitDelayMs: 0,
              approveKeys: ['Enter'],
              denyKeys: ['Escape'],
              interruptKeys: ['Escape'],
              clearKeys: null,
              trustKeys: null,
              trustPattern: null,
              hooks: null,
            },
            screens: { idle: ['never shown'] },
          },
        },
      },
    });
    const project = await fleet.project('refuser-project');
    const added = await fleet.fleet.addWorker({ type: 'refuser', project, interactive: true });
    const failed = await waitFor(
      () => {
        const w = fleet?.worker(added.id);
        return w?.state === 'failed' ? w : null;
      },
      { timeoutMs: 90_000, intervalMs: 200, message: 'the refusing worker ends failed' },
    );
    expect(failed.restarts).toBe(1);
    expect(failed.lastError).toContain('its agent exited');
    expect(failed.lastError).toContain(REFUSAL);
    // The shell's prompt and the typed command are not the CLI's words.
    expect(failed.lastError).not.toContain("$ 'refuser'");
  }, 120_000);
});
