// Agent workers in one-shot mode: each task runs the agent's headless mode in the worker's shell,
// continuing the worker's conversation; the CLI is looked up on the panes' PATH, and a missing one
// is refused up front with AGENT_NOT_INSTALLED. A stand-in `claude` script answers like
// `claude -p --output-format json` does and records its argv.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useStandInAgents } from '../helpers/stand-in-agents.js';

const agents = useStandInAgents();

describe('agent worker types', () => {
  it('run each task through the headless mode, under the session id chosen at add-worker', async () => {
    const { root, dir } = await agents.bin();
    const calls = join(root, 'calls.log');
    await writeFile(
      join(dir, 'claude'),
      [
        '#!/usr/bin/env bash',
        `printf '%s\\n' "$*" >> '${calls}'`,
        'if [ "$1" = auth ]; then echo \'{"loggedIn":true}\'; exit 0; fi',
        'sid=""; while [ $# -gt 0 ]; do case "$1" in --session-id|--resume) sid="$2";; esac; shift; done',
        'printf \'{"type":"result","is_error":false,"result":"fake answer","session_id":"%s","total_cost_usd":0.25}\\n\' "$sid"',
        '',
      ].join('\n'),
    );
    await chmod(join(dir, 'claude'), 0o755);
    const fleet = await agents.fleet({ pathPrefix: dir });
    const project = await fleet.project('agent-project');
    const worker = await fleet.fleet.addWorker({ type: 'claude', project, name: 'claude-1' });
    expect(worker).toMatchObject({ state: 'idle', mode: 'one-shot' });
    const sessionId = worker.agentSessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    const first = await fleet.fleet.wait(
      (await fleet.fleet.send({ worker: 'claude-1', command: "it's a test" })).id,
    );
    expect(first).toMatchObject({
      status: 'succeeded',
      prompt: "it's a test",
      agent: { text: 'fake answer', sessionId, costUsd: 0.25, isError: false },
    });
    const second = await fleet.fleet.wait(
      (await fleet.fleet.send({ worker: 'claude-1', command: 'again' })).id,
    );
    expect(second.agent?.sessionId).toBe(sessionId);
    const argvs = (await readFile(calls, 'utf8')).trim().split('\n');
    // Before each task, `auth status` (skipped when a key is in the environment).
    const keyed = Boolean(process.env.ANTHROPIC_API_KEY || process.env.ANTHROPIC_AUTH_TOKEN);
    expect(argvs.filter((a) => a === 'auth status')).toHaveLength(keyed ? 0 : 2);
    expect(argvs.filter((a) => a !== 'auth status')).toEqual([
      `-p it's a test --output-format json --session-id ${sessionId}`,
      `-p again --output-format json --resume ${sessionId}`,
    ]);
  });

  it('refuse a type whose CLI is not on PATH, leaving no worker and no window', async () => {
    const fleet = await agents.fleet();
    const project = await fleet.project('p');
    await expect(fleet.fleet.addWorker({ type: 'aider', project })).rejects.toMatchObject({
      code: 'AGENT_NOT_INSTALLED',
    });
    expect(fleet.fleet.workers()).toEqual([]);
    const windows = await fleet.tmux.tmux('list-windows', '-t', fleet.session, '-F', '#{window_name}');
    expect(windows.split('\n')).toEqual(['controller']);
  });
});
