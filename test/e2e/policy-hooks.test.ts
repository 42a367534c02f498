// Enforced roles through the CLI, third layer: an agent's tool calls are checked by its
// PreToolUse hook (`tmuxorch policy check --worker W`, wired through --settings). The bundled sim
// agent fires it before `write F: …` (tool Write) and `run: CMD` (tool Bash), one-shot and in its
// TUI; a deny goes back to the agent with the role's reason, an ask holds the worker at
// awaiting_approval until `tmuxorch approve` / `deny`. Then the real Claude Code CLI against a
// stand-in of the Anthropic API (skipped when it is not installed): its Bash tool call is denied
// by the hook, and the denial reaches the model as the tool's result.
import { existsSync } from 'node:fs';
import { mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { agentCliDir } from '../helpers/agent-clis.js';
import { claudeEnv } from '../helpers/claude-home.js';
import type { CliFleet } from '../helpers/cli.js';
import { TOOL_FILE, USE_TOOL, type RecordedRequest } from '../helpers/mock-anthropic.js';
import { waitFor } from '../helpers/wait-for.js';
import { addSimWorker, expectOk, runJson, workerView, type WorkerView } from './support.js';
import { sendTask, sendWait, waitResult } from './task-commands.js';
import { useCliFleet } from './cli-fleets.js';
import { realAgentSuite } from './real-agent-suite.js';

const SLOW = 120_000;

describe('layer 3: the sim agent’s tool calls checked by its PreToolUse hook', () => {
  let fleet: CliFleet;
  let simHome: string;

  const addSim = (name: string, role: string, mode: WorkerView['mode'] = 'one-shot'): Promise<WorkerView> =>
    addSimWorker(fleet, name, simHome, mode, ['--role', role]);

  function awaiting(name: string): Promise<WorkerView> {
    return waitFor(
      async () => {
        const w = await workerView(fleet, name);
        return w.state === 'awaiting_approval' && w.awaitingApproval !== null ? w : null;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: `${name} awaits approval` },
    );
  }

  useCliFleet(async (made) => {
    fleet = made;
    simHome = join(fleet.home.dir, 'sim-home');
    await expectOk(fleet, ['start']);
  });

  it('a planner may not edit: the hook denies the write with the role’s reason; nothing is written', async () => {
    const planner = await addSim('planning', 'planner');
    const { exitCode, body } = await sendWait(fleet, 'planning', 'write notes.txt: x');
    expect(exitCode, JSON.stringify(body)).not.toBe(0);
    expect(body.status).toBe('failed');
    expect(body.agent?.isError).toBe(true);
    const said = body.agent?.text ?? '';
    expect(said).toMatch(/^refused by a hook: tmuxorch: role planner: /);
    expect(said).toContain('no rule (the default for edit) denies editing notes.txt');
    expect(body.reason).toContain('role planner');
    expect(existsSync(join(planner.project, 'notes.txt'))).toBe(false);
    // A protected path is refused for every role, with its own reason.
    const coder = await addSim('protected', 'coder');
    const env = await sendWait(fleet, 'protected', 'write .env: KEY=1');
    expect(env.body.agent?.text).toContain('role coder: .env is a protected path');
    expect(existsSync(join(coder.project, '.env'))).toBe(false);
  });

  it('a planner’s read-only command runs, its output in the reply', async () => {
    const planner = await workerView(fleet, 'planning');
    await writeFile(join(planner.project, 'seen-by-ls.txt'), '');
    const { exitCode, body } = await sendWait(fleet, 'planning', 'run: ls');
    expect(exitCode, JSON.stringify(body)).toBe(0);
    expect(body).toMatchObject({ status: 'succeeded', agent: { isError: false } });
    expect(body.agent?.text).toBe('ran ls (exit 0): seen-by-ls.txt');
    // A command it may not run (a redirection is an edit) is refused before it runs.
    const write = await sendWait(fleet, 'planning', 'run: echo x > by-redirect.txt');
    expect(write.body.agent?.text).toContain('denies editing by-redirect.txt');
    expect(existsSync(join(planner.project, 'by-redirect.txt'))).toBe(false);
  });

  it(
    'one-shot: a coder’s asked command waits for approval; approved it runs, denied it does not',
    { timeout: SLOW },
    async () => {
      const coder = await addSim('asking', 'coder');
      const build = join(coder.project, 'build');
      await mkdir(join(build, 'deep'), { recursive: true });
      const id = await sendTask(fleet, 'asking', 'run: rm -rf build');
      const worker = await awaiting('asking');
      expect(worker.awaitingApproval).toBe('role coder: rule "bash ask rm -rf *" asks about "rm -rf build"');
      expect(worker.runningTask).toBe(id);
      expect(existsSync(build)).toBe(true);
      await expectOk(fleet, ['approve', 'asking']);
      const { exitCode, result } = await waitResult(fleet, id);
      expect(exitCode, JSON.stringify(result)).toBe(0);
      expect(result).toMatchObject({ status: 'succeeded', agent: { text: 'ran rm -rf build (exit 0)' } });
      expect(existsSync(build)).toBe(false);

      await mkdir(build);
      const again = await sendTask(fleet, 'asking', 'run: rm -rf build');
      await awaiting('asking');
      await expectOk(fleet, ['deny', 'asking']);
      const denied = await waitResult(fleet, again);
      expect(denied.result.status).toBe('failed');
      expect(denied.result.agent?.text).toBe(
        'refused by a hook: tmuxorch: a person denied: role coder: rule "bash ask rm -rf *" asks about "rm -rf build"',
      );
      expect(existsSync(build)).toBe(true);
      expect(await workerView(fleet, 'asking')).toMatchObject({ state: 'idle', awaitingApproval: null });
    },
  );

  it(
    'a task that times out while its hook waits for a person: the wait ends with it; the next task runs',
    { timeout: SLOW },
    async () => {
      const coder = await workerView(fleet, 'asking');
      const build = join(coder.project, 'build');
      const id = await sendTask(fleet, 'asking', 'run: rm -rf build', ['--timeout', '2s']);
      await awaiting('asking');
      const { result } = await waitResult(fleet, id);
      expect(result.status).toBe('timed_out');
      expect(await workerView(fleet, 'asking')).toMatchObject({ awaitingApproval: null });
      const next = await sendWait(fleet, 'asking', 'write after.txt: went on', ['--timeout', '20s']);
      expect(next.body, JSON.stringify(next.body)).toMatchObject({
        status: 'succeeded',
        agent: { text: 'wrote after.txt' },
      });
      expect(existsSync(build)).toBe(true);
      expect(await workerView(fleet, 'asking')).toMatchObject({ state: 'idle', awaitingApproval: null });
    },
  );

  it(
    'interactive: the TUI’s tool calls meet the same hook (deny, then ask and approve)',
    { timeout: SLOW },
    async () => {
      const coder = await addSim('tui-coder', 'coder', 'interactive');
      const build = join(coder.project, 'build');
      await mkdir(build);
      // git push is denied outright: the turn ends with the reason.
      const push = await sendWait(fleet, 'tui-coder', 'run: git push origin main');
      expect(push.body.status, JSON.stringify(push.body)).not.toBe('succeeded');
      expect(push.body.agent?.text ?? push.body.reason).toContain(
        'rule "bash deny git push *" denies "git push origin main"',
      );

      const id = await sendTask(fleet, 'tui-coder', 'run: rm -rf build');
      const worker = await awaiting('tui-coder');
      expect(worker.awaitingApproval).toBe('role coder: rule "bash ask rm -rf *" asks about "rm -rf build"');
      expect(existsSync(build)).toBe(true);
      await expectOk(fleet, ['approve', 'tui-coder']);
      const { exitCode, result } = await waitResult(fleet, id);
      expect(exitCode, JSON.stringify(result)).toBe(0);
      expect(result.agent?.text).toContain('ran rm -rf build (exit 0)');
      expect(existsSync(build)).toBe(false);

      // Cancelled while its hook waits: the wait ends, the hook refuses, the TUI takes the next task.
      await mkdir(build);
      const cancelled = await sendTask(fleet, 'tui-coder', 'run: rm -rf build');
      await awaiting('tui-coder');
      await expectOk(fleet, ['cancel', cancelled]);
      expect((await waitResult(fleet, cancelled)).result.status).toBe('cancelled');
      expect(await workerView(fleet, 'tui-coder')).toMatchObject({ awaitingApproval: null });
      const next = await sendWait(fleet, 'tui-coder', 'write after.txt: went on', ['--timeout', '20s']);
      expect(next.body, JSON.stringify(next.body)).toMatchObject({ status: 'succeeded' });
      expect(next.body.agent?.text).toContain('wrote after.txt');
      expect(existsSync(build)).toBe(true);
    },
  );
});

const cliDir = agentCliDir();
if (!cliDir)
  console.warn(
    'policy-hooks.test.ts: the real claude part is skipped: claude is not installed (.agent-clis)',
  );

const API_KEY = 'sk-ant-test-dummy-0123456789-policy';

interface ToolResultBlock {
  readonly type: string;
  readonly content?: unknown;
  readonly is_error?: boolean;
}

// The tool results claude sent back: the content blocks of each request's last message.
function toolResults(requests: readonly RecordedRequest[]): ToolResultBlock[] {
  return requests
    .map((r) => (r.body as { messages?: Array<{ content?: unknown }> }).messages?.at(-1)?.content)
    .flatMap((content) => (Array.isArray(content) ? (content as ToolResultBlock[]) : []))
    .filter((block) => block.type === 'tool_result');
}

// A tool result's text (a string, or text blocks).
function textOf(block: ToolResultBlock | undefined): string {
  const content = block?.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content)
    ? content.map((c) => String((c as { text?: unknown }).text ?? '')).join('\n')
    : '';
}

describe.skipIf(!cliDir)('layer 3: real claude, its Bash tool call denied by the PreToolUse hook', () => {
  const suite = realAgentSuite();

  it(
    'a one-shot claude worker with a role: the hook denies the tool call; the model hears why',
    { timeout: SLOW },
    async () => {
      const mock = await suite.mock({ reply: 'all done' });
      const scratch = await suite.scratch();
      const fleet = await suite.fleet({ env: claudeEnv(scratch, cliDir ?? '', mock.url, API_KEY) });
      // The stand-in asks for `touch made-by-tool.txt`: a tester would be asked about it (no rule
      // covers touch), so a role of the config denies it — by a pattern no Claude flag can carry,
      // so it is the hook, not claude's own rules, that refuses it.
      const home = String(fleet.env.TMUXORCH_HOME);
      await mkdir(home, { recursive: true });
      await writeFile(
        join(home, 'config.json'),
        JSON.stringify({
          roles: { 'no-marker': { extends: 'tester', rules: ['bash deny *made-by-tool*'] } },
        }),
      );
      await expectOk(fleet, ['start']);
      const project = await realpath(await fleet.home.project('claude-policed'));
      await execa('git', ['init', '-q', project]);
      const added = await runJson<WorkerView>(fleet, [
        'add-worker',
        '--type',
        'claude',
        '--project',
        project,
        '--name',
        'policed',
        '--role',
        'no-marker',
      ]);
      expect(added.exitCode, `${added.run.stdout}${added.run.stderr}`).toBe(0);
      const { body, run } = await sendWait(fleet, 'policed', `Please ${USE_TOOL} now.`);
      const what = `${run.stdout}${run.stderr}`;
      expect(existsSync(join(project, TOOL_FILE)), what).toBe(false);
      // claude reports the refused call in permission_denials: the task fails as denied.
      expect(body, what).toMatchObject({
        status: 'failed',
        reason: `denied: Bash(touch ${TOOL_FILE})`,
        agent: { text: 'all done', isError: false },
      });
      // The request after the tool call carries its result: the hook's denial, with the rule.
      const [result, ...more] = toolResults(mock.messageRequests());
      expect(more, what).toEqual([]);
      expect(result?.is_error).toBe(true);
      expect(textOf(result)).toContain(
        'tmuxorch: role no-marker: rule "bash deny *made-by-tool*" denies "touch made-by-tool.txt"',
      );
    },
  );

  it(
    'a one-shot claude tester: the call its role asks about waits for a person; approved it runs, denied it does not',
    { timeout: SLOW },
    async () => {
      const mock = await suite.mock({ reply: 'all done' });
      const scratch = await suite.scratch();
      const fleet = await suite.fleet({ env: claudeEnv(scratch, cliDir ?? '', mock.url, API_KEY) });
      // A tester that may edit its workspace: `touch` (an edit too) is then only asked about, as
      // a command no rule covers.
      const home = String(fleet.env.TMUXORCH_HOME);
      await mkdir(home, { recursive: true });
      await writeFile(
        join(home, 'config.json'),
        JSON.stringify({ roles: { 'editing-tester': { extends: 'tester', rules: ['edit allow **'] } } }),
      );
      await expectOk(fleet, ['start']);
      const project = await realpath(await fleet.home.project('claude-tester'));
      await execa('git', ['init', '-q', project]);
      const added = await runJson<WorkerView>(fleet, [
        'add-worker',
        '--type',
        'claude',
        '--project',
        project,
        '--name',
        'tester',
        '--role',
        'editing-tester',
      ]);
      expect(added.exitCode, `${added.run.stdout}${added.run.stderr}`).toBe(0);
      const question = `role editing-tester: no rule (the default for bash) asks about "touch ${TOOL_FILE}"`;
      const waitAsk = (): Promise<WorkerView> =>
        waitFor(
          async () => {
            const w = await workerView(fleet, 'tester');
            return w.state === 'awaiting_approval' ? w : null;
          },
          { timeoutMs: 60_000, intervalMs: 100, message: 'the hook waits for a person' },
        );

      const first = await sendTask(fleet, 'tester', `Please ${USE_TOOL} now.`);
      expect((await waitAsk()).awaitingApproval).toBe(question);
      expect(existsSync(join(project, TOOL_FILE))).toBe(false);
      await expectOk(fleet, ['approve', 'tester']);
      const approved = await waitResult(fleet, first);
      expect(approved.result, JSON.stringify(approved.result)).toMatchObject({
        status: 'succeeded',
        agent: { text: 'all done' },
      });
      expect(existsSync(join(project, TOOL_FILE))).toBe(true);
      const [ran] = toolResults(mock.messageRequests());
      expect(ran?.is_error ?? false).toBe(false);

      await rm(join(project, TOOL_FILE));
      const seen = mock.messageRequests().length;
      const second = await sendTask(fleet, 'tester', `Please ${USE_TOOL} again.`);
      await waitAsk();
      await expectOk(fleet, ['deny', 'tester']);
      const denied = await waitResult(fleet, second);
      expect(denied.result).toMatchObject({ status: 'failed', reason: `denied: Bash(touch ${TOOL_FILE})` });
      expect(existsSync(join(project, TOOL_FILE))).toBe(false);
      const [refused] = toolResults(mock.messageRequests().slice(seen));
      expect(refused?.is_error).toBe(true);
      expect(textOf(refused)).toContain(`tmuxorch: a person denied: ${question}`);
      expect(await workerView(fleet, 'tester')).toMatchObject({ state: 'idle', awaitingApproval: null });
    },
  );
});
