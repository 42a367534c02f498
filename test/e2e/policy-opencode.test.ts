// Layer 3 for opencode: tmuxorch's plugin (tool.execute.before) asks `tmuxorch policy check`
// before each tool call of a worker with a role, one-shot as in its TUI. The real opencode runs
// against the Anthropic stand-in, which asks for `touch made-by-tool.txt`: a role that denies it
// by a rule gets the call failed with the rule in its result (what the model reads next); a role
// that allows it gets the file. Skipped when opencode is not installed in .agent-clis.
import { existsSync } from 'node:fs';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentCliDir, hasCli } from '../helpers/agent-clis.js';
import { agentEnv } from '../helpers/claude-home.js';
import type { CliFleet } from '../helpers/cli.js';
import { TOOL_FILE, USE_TOOL, type MockAnthropic } from '../helpers/mock-anthropic.js';
import { realAgentSuite } from './real-agent-suite.js';
import { expectOk, runJson, type TaskResult, type WorkerView } from './support.js';

const cliDir = agentCliDir();
const here = cliDir !== null && hasCli('opencode');
if (!here)
  console.warn(
    'policy-opencode.test.ts skipped: opencode is not in .agent-clis (npm install --prefix .agent-clis opencode-ai)',
  );

// opencode's first start in a HOME with a plugin installs @opencode-ai/plugin (tens of seconds).
const SLOW = 300_000;

describe.skipIf(!here)('layer 3: the real opencode, its tool calls checked by our plugin', () => {
  const suite = realAgentSuite();

  async function policedOpencode(
    mock: MockAnthropic,
    role: string,
  ): Promise<{ fleet: CliFleet; project: string }> {
    const scratch = await suite.scratch();
    const config = {
      model: 'anthropic/claude-sonnet-4-5',
      provider: { anthropic: { options: { baseURL: `${mock.url}/v1`, apiKey: 'dummy' } } },
    };
    const fleet = await suite.fleet({
      env: agentEnv(scratch, cliDir ?? '', {
        OPENCODE_DISABLE_MODELS_FETCH: '1',
        OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
      }),
    });
    const home = String(fleet.env.TMUXORCH_HOME);
    await mkdir(home, { recursive: true });
    await writeFile(
      join(home, 'config.json'),
      JSON.stringify({
        roles: {
          'no-marker': { extends: 'coder', rules: ['bash deny *made-by-tool*'] },
          marker: { extends: 'coder', rules: ['bash allow touch *'] },
        },
      }),
    );
    await expectOk(fleet, ['start']);
    const project = await realpath(await fleet.home.project('opencode-policed'));
    const added = await runJson<WorkerView>(fleet, [
      'add-worker',
      '--type',
      'opencode',
      '--project',
      project,
      '--name',
      'oc',
      '--role',
      role,
    ]);
    expect(added.exitCode, `${added.run.stdout}${added.run.stderr}`).toBe(0);
    return { fleet, project };
  }

  // The text of every tool result opencode sent back.
  function toolResultTexts(mock: MockAnthropic): string[] {
    return mock
      .messageRequests()
      .flatMap((r) => (r.body as { messages?: Array<{ content?: unknown }> }).messages ?? [])
      .flatMap((m) => (Array.isArray(m.content) ? (m.content as Array<Record<string, unknown>>) : []))
      .filter((b) => b.type === 'tool_result')
      .map((b) => JSON.stringify(b.content ?? ''));
  }

  it(
    'a rule that denies the command: the call fails with the rule, and nothing is made',
    { timeout: SLOW },
    async () => {
      const mock = await suite.mock({ reply: 'all done' });
      const { fleet, project } = await policedOpencode(mock, 'no-marker');
      const sent = await runJson<TaskResult>(fleet, [
        'send',
        'oc',
        '--wait',
        '--timeout',
        '240s',
        '--',
        `Please ${USE_TOOL} now.`,
      ]);
      const what = `${sent.run.stdout}${sent.run.stderr}`;
      expect(existsSync(join(project, TOOL_FILE)), what).toBe(false);
      const results = toolResultTexts(mock);
      expect(results.length, what).toBeGreaterThan(0);
      expect(results.join('\n'), what).toContain(
        'tmuxorch: role no-marker: rule \\"bash deny *made-by-tool*\\" denies \\"touch made-by-tool.txt\\"',
      );
    },
  );

  it('a rule that allows it: the call runs', { timeout: SLOW }, async () => {
    const mock = await suite.mock({ reply: 'all done' });
    const { fleet, project } = await policedOpencode(mock, 'marker');
    const sent = await runJson<TaskResult>(fleet, [
      'send',
      'oc',
      '--wait',
      '--timeout',
      '240s',
      '--',
      `Please ${USE_TOOL} now.`,
    ]);
    expect(existsSync(join(project, TOOL_FILE)), `${sent.run.stdout}${sent.run.stderr}`).toBe(true);
  });
});
