// Agent worker types start their CLI in the pane (the full adapters are a later milestone):
// the CLI is looked up on the panes' PATH, launched after the shell is ready, and a missing one
// is refused up front with AGENT_NOT_INSTALLED.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestFleet, type TestFleet } from '../helpers/fleet.js';
import { createTmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

let fleet: TestFleet | null = null;
let bin: TmpHome | null = null;

afterEach(async () => {
  await fleet?.cleanup();
  await bin?.remove();
  fleet = null;
  bin = null;
});

describe('agent worker types', () => {
  it('launch their CLI in the pane once the shell is ready', async () => {
    bin = await createTmpHome('tmuxorch-fakebin-');
    const dir = join(bin.dir, 'bin');
    await mkdir(dir);
    // A stand-in for the real TUI: announces itself, then waits for input like an agent would.
    await writeFile(join(dir, 'claude'), '#!/usr/bin/env bash\necho "FAKE-CLAUDE up in $(pwd)"\nexec cat\n');
    await chmod(join(dir, 'claude'), 0o755);
    fleet = await openTestFleet({ pathPrefix: dir });
    const project = await fleet.project('agent-project');
    const worker = await fleet.fleet.addWorker({ type: 'claude', project, name: 'claude-1' });
    expect(worker.state).toBe('idle');
    const screen = await waitFor(async () => {
      const text = await fleet!.fleet.capture('claude-1');
      return text.includes('FAKE-CLAUDE up in') ? text : null;
    });
    expect(screen).toContain(project);
    const command = await fleet.tmux.tmux(
      'display-message',
      '-p',
      '-t',
      worker.paneId ?? '',
      '#{pane_current_command}',
    );
    expect(command).toBe('cat');
  });

  it('refuse a type whose CLI is not on PATH, leaving no worker and no window', async () => {
    fleet = await openTestFleet();
    const project = await fleet.project('p');
    await expect(fleet.fleet.addWorker({ type: 'aider', project })).rejects.toMatchObject({
      code: 'AGENT_NOT_INSTALLED',
    });
    expect(fleet.fleet.workers()).toEqual([]);
    const windows = await fleet.tmux.tmux('list-windows', '-t', fleet.session, '-F', '#{window_name}');
    expect(windows.split('\n')).toEqual(['controller']);
  });
});
