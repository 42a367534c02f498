// The real Claude Code CLI configured to use `tmuxorch mcp` (--mcp-config, --strict-mcp-config so
// no other server of the machine is read), against the loopback stand-in of the Anthropic API:
// its stream-json init line lists the tmuxorch tools and the server as connected.
// Skipped when claude is not installed (.ci/run installs it into <repo>/.agent-clis).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { agentCliDir } from '../helpers/agent-clis.js';
import { claudeEnv, seedClaudeConfig } from '../helpers/claude-home.js';
import { CLI_PATH, type CliFleet } from '../helpers/cli.js';
import { CALL_TOOL, type MockAnthropic } from '../helpers/mock-anthropic.js';
import { addShell, expectOk, status } from './support.js';
import { realAgentSuite } from './real-agent-suite.js';

const cliDir = agentCliDir();
const SKIP_REASON =
  'claude is not installed: run .ci/run (it installs it into .agent-clis/), or set TMUXORCH_AGENT_CLI_DIR to a node_modules/.bin holding it';
const TITLE = cliDir
  ? 'real claude with tmuxorch mcp'
  : `real claude with tmuxorch mcp — SKIPPED: ${SKIP_REASON}`;
if (!cliDir) console.warn(`mcp-real-claude.test.ts skipped: ${SKIP_REASON}`);

const API_KEY = 'sk-ant-test-dummy-0123456789-mcp';

interface ClaudeRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface InitLine {
  readonly type: 'system';
  readonly subtype: 'init';
  readonly tools: readonly string[];
  readonly mcp_servers: ReadonlyArray<{ name: string; status: string }>;
}

describe.skipIf(!cliDir)(TITLE, () => {
  const suite = realAgentSuite();

  // A fleet with a shell worker `api`, and claude's --mcp-config naming `tmuxorch mcp` for it.
  async function setUp(): Promise<{
    fleet: CliFleet;
    mock: MockAnthropic;
    project: string;
    claude: (prompt: string, extra?: string[]) => Promise<ClaudeRun>;
  }> {
    const scratch = await suite.scratch();
    const mock = await suite.mock();
    const env = claudeEnv(scratch, cliDir ?? '', mock.url, API_KEY, {
      CLAUDE_CONFIG_DIR: scratch.claudeConfigDir,
    });
    const fleet = await suite.fleet({ env });
    await expectOk(fleet, ['start']);
    await addShell(fleet, 'api');
    const project = await fleet.home.project('host');
    await seedClaudeConfig(scratch, { apiKey: API_KEY, trusted: [project] });
    // The server's own environment: the fleet's home, socket and session, nothing else needed.
    const serverEnv = {
      TMUXORCH_HOME: fleet.env.TMUXORCH_HOME ?? '',
      TMUXORCH_SOCKET: fleet.env.TMUXORCH_SOCKET ?? '',
      TMUXORCH_SESSION: fleet.env.TMUXORCH_SESSION ?? '',
      PATH: fleet.env.PATH ?? '',
    };
    const config = join(scratch.home, 'mcp.json');
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: {
          tmuxorch: { type: 'stdio', command: process.execPath, args: [CLI_PATH, 'mcp'], env: serverEnv },
        },
      }),
    );
    const claude = async (prompt: string, extra: string[] = []): Promise<ClaudeRun> => {
      const run = await execa(
        join(cliDir ?? '', 'claude'),
        [
          '-p',
          prompt,
          '--output-format',
          'stream-json',
          '--verbose',
          '--mcp-config',
          config,
          '--strict-mcp-config',
          ...extra,
        ],
        { cwd: project, env: fleet.env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 },
      );
      return { exitCode: run.exitCode ?? -1, stdout: String(run.stdout), stderr: String(run.stderr) };
    };
    return { fleet, mock, project, claude };
  }

  it('lists the tmuxorch tools in its init line, the server connected', async () => {
    const { mock, claude } = await setUp();
    const result = await claude('hi');
    const lines = String(result.stdout)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type?: string; subtype?: string });
    const init = lines.find((l): l is InitLine => l.type === 'system' && l.subtype === 'init');
    expect(init, `${result.stdout}\n${result.stderr}`).toBeDefined();
    expect(init?.mcp_servers).toContainEqual({ name: 'tmuxorch', status: 'connected' });
    expect(init?.tools).toEqual(
      expect.arrayContaining([
        'mcp__tmuxorch__run',
        'mcp__tmuxorch__wait',
        'mcp__tmuxorch__status',
        'mcp__tmuxorch__result',
        'mcp__tmuxorch__logs',
        'mcp__tmuxorch__cancel',
        'mcp__tmuxorch__send',
        'mcp__tmuxorch__approve',
        'mcp__tmuxorch__deny',
        'mcp__tmuxorch__workers',
        'mcp__tmuxorch__add_worker',
      ]),
    );
    // The tools reached the model too: the stand-in saw them offered.
    const offered = mock
      .messageRequests()
      .flatMap((r) => ((r.body as { tools?: Array<{ name?: string }> }).tools ?? []).map((t) => t.name));
    expect(offered).toContain('mcp__tmuxorch__run');
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('calls a tmuxorch tool: the task runs on the worker and its id comes back to the model', async () => {
    const { fleet, mock, claude } = await setUp();
    const input = JSON.stringify({ worker: 'api', command: 'echo sent-by-claude' });
    const result = await claude(`${CALL_TOOL} mcp__tmuxorch__run ${input}`, [
      '--allowedTools',
      'mcp__tmuxorch__run',
    ]);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    const task = (await status(fleet)).tasks.find((t) => t.command === 'echo sent-by-claude');
    expect(task, result.stdout).toBeDefined();
    // The tool's answer went back to the model as the tool_result.
    const answered = mock
      .messageRequests()
      .some((r) => r.text.includes('tool_result') && r.text.includes(task?.id ?? '?'));
    expect(answered).toBe(true);
  });
});
