// The real agent CLIs (claude, codex, gemini from npm) driven through the built tmuxorch CLI: in
// one-shot mode, and claude's TUI in interactive mode. Hermetic: a scratch HOME (and CODEX_HOME,
// CLAUDE_CONFIG_DIR) per test, no inherited key or login, claude pointed at an in-process stand-in
// of the Anthropic API (test/helpers/mock-anthropic.ts).
// Skipped when the CLIs are not installed (.ci/run installs them into <repo>/.agent-clis).
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { agentCliDir, hasCli } from '../helpers/agent-clis.js';
import {
  agentEnv,
  claudeEnv,
  claudeTrusts,
  filesHolding,
  filesUnder,
  hookEvents,
  seedClaudeConfig,
} from '../helpers/claude-home.js';
import type { CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { expectOk, runJson, status, type TaskResult, type WorkerView } from './support.js';
import { realAgentSuite } from './real-agent-suite.js';

const cliDir = agentCliDir();
const SKIP_REASON =
  'claude/codex/gemini are not installed: run .ci/run (it installs them into .agent-clis/), or set TMUXORCH_AGENT_CLI_DIR to a node_modules/.bin holding them';
const TITLE = cliDir
  ? 'real agent CLIs (claude, codex, gemini)'
  : `real agent CLIs — SKIPPED: ${SKIP_REASON}`;
if (!cliDir) console.warn(`agents-real.test.ts skipped: ${SKIP_REASON}`);

const API_KEY = 'sk-test-dummy';
// Longer than the 20 chars by which Claude remembers an approved key (the seed holds only those).
const TUI_API_KEY = 'sk-ant-test-dummy-0123456789-interactive';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRUST_QUESTION = /Is this a project you created or one you trust\?/;
const IDLE_FOOTER = /\? for shortcuts/;

// Long enough for a cold start of each CLI on a loaded 2-core machine; a CLI that waits on a
// network (codex without login never exits) takes far longer than this.
const FAIL_FAST_MS = 20_000;

const NO_LOGIN: Record<string, { exitCode: number; reason: string }> = {
  // The auth check before the task (`claude auth status`, `codex login status`) exits 86.
  claude: { exitCode: 86, reason: 'claude is not logged in' },
  codex: { exitCode: 86, reason: 'codex is not logged in' },
  // No check for gemini: the CLI itself exits 41 without auth.
  gemini: { exitCode: 41, reason: 'gemini is not logged in' },
};

// A project directory that is its own git repository (codex wants one; claude and gemini then
// stop looking for instruction files at its root).
async function gitProject(fleet: CliFleet, name: string): Promise<string> {
  const project = await fleet.home.project(name);
  await execa('git', ['init', '-q', project], { reject: false });
  return project;
}

async function addAgent(fleet: CliFleet, type: string, name: string, project: string, interactive = false) {
  const args = ['add-worker', '--type', type, '--project', project, '--name', name];
  const { exitCode, body, run } = await runJson<WorkerView>(
    fleet,
    interactive ? [...args, '--interactive'] : args,
  );
  expect(exitCode, `add-worker --type ${type}: ${run.stdout}${run.stderr}`).toBe(0);
  expect(body).toMatchObject({ name, type, project, mode: interactive ? 'interactive' : 'one-shot' });
  return body;
}

// `send --wait --json`: the finished task, the command's exit code and how long it took.
async function sendWait(
  fleet: CliFleet,
  worker: string,
  prompt: string,
): Promise<{ exitCode: number; result: TaskResult; ms: number; what: string }> {
  const started = Date.now();
  const { exitCode, body, run } = await runJson<TaskResult>(fleet, ['send', worker, '--wait', '--', prompt]);
  const ms = Date.now() - started;
  return { exitCode, result: body, ms, what: `send ${worker} (${ms} ms): ${run.stdout}${run.stderr}` };
}

async function listWorkers(fleet: CliFleet): Promise<WorkerView[]> {
  const { exitCode, body, run } = await runJson<WorkerView[]>(fleet, ['list']);
  expect(exitCode, `list: ${run.stdout}${run.stderr}`).toBe(0);
  return body;
}

// After a conversation: the worker is idle again, in that conversation, with nothing wrong.
async function expectIdleIn(
  fleet: CliFleet,
  name: string,
  sessionId: string | null | undefined,
): Promise<void> {
  const after = (await listWorkers(fleet)).find((w) => w.name === name);
  expect(after).toMatchObject({
    state: 'idle',
    agentSessionId: sessionId,
    lastError: null,
    runningTask: null,
  });
}

// What a worker's pane shows (`tmuxorch capture`).
async function capture(fleet: CliFleet, worker: string): Promise<string> {
  return (await fleet.run(['capture', worker])).stdout;
}

// For a failure message: the worker's screen and the hook events it logged.
async function paneReport(fleet: CliFleet, worker: WorkerView): Promise<string> {
  const screen = await capture(fleet, worker.name);
  const hooksFile = join(String(fleet.env.TMUXORCH_HOME), 'state', 'hooks', `${worker.id}.jsonl`);
  const hooks = await readFile(hooksFile, 'utf8').catch((e: unknown) => String(e));
  return `--- screen of ${worker.name}:\n${screen}\n--- ${hooksFile}:\n${hooks}`;
}

describe.skipIf(!cliDir)(TITLE, () => {
  const suite = realAgentSuite();

  it('without a login each CLI fails fast with the fix as the reason, and its worker shows auth_required', async () => {
    const scratch = await suite.scratch();
    const fleet = await suite.fleet({ env: agentEnv(scratch, cliDir ?? '') });
    await expectOk(fleet, ['start']);
    const project = await gitProject(fleet, 'agents');
    const types = (['claude', 'codex', 'gemini'] as const).filter((type) => hasCli(type));
    expect(types).toContain('claude');
    for (const type of types) await addAgent(fleet, type, `${type}-nologin`, project);

    const prompt = 'Say hello in one word.';
    const current = fleet;
    const sends = await Promise.all(types.map((type) => sendWait(current, `${type}-nologin`, prompt)));
    for (const [i, type] of types.entries()) {
      const send = sends[i];
      const expected = NO_LOGIN[type];
      if (!send || !expected) throw new Error(`no result for ${type}`);
      expect(send.ms, send.what).toBeLessThan(FAIL_FAST_MS);
      expect(send.result.status, send.what).toBe('failed');
      expect(send.result.reason, send.what).toContain(expected.reason);
      expect(send.result.exitCode, send.what).toBe(expected.exitCode);
      // `send --wait` exits with the task's exit code.
      expect(send.exitCode, send.what).toBe(expected.exitCode);
      expect(send.result.prompt).toBe(prompt);
    }

    const view = await status(fleet);
    for (const [i, type] of types.entries()) {
      const worker = view.workers.find((w) => w.name === `${type}-nologin`);
      expect(worker?.state, `${type}: ${JSON.stringify(worker)}`).toBe('auth_required');
      expect(worker?.lastError).toBe(sends[i]?.result.reason);
      expect(worker?.runningTask).toBeNull();
    }
  }, 90_000);

  it('runs the real claude against a stand-in API: the reply, one conversation across tasks, no key on disk', async () => {
    const reply = 'pong from the stand-in';
    const mock = await suite.mock({ reply });
    const scratch = await suite.scratch();
    const fleet = await suite.fleet({ env: claudeEnv(scratch, cliDir ?? '', mock.url, API_KEY) });
    await expectOk(fleet, ['start']);
    const project = await gitProject(fleet, 'claude-project');
    const added = await addAgent(fleet, 'claude', 'claude-real', project);
    const listed = (await listWorkers(fleet)).find((w) => w.name === 'claude-real');
    const sessionId = listed?.agentSessionId;
    expect(sessionId).toMatch(UUID);
    expect(added.agentSessionId).toBe(sessionId);

    const firstPrompt = `First question, marker alpha-${Date.now()}: what is two plus two?`;
    const first = await sendWait(fleet, 'claude-real', firstPrompt);
    expect(first.exitCode, first.what).toBe(0);
    expect(first.result.status, first.what).toBe('succeeded');
    expect(first.result.reason).toBeNull();
    expect(first.result.agent, first.what).toMatchObject({ text: reply, sessionId, isError: false });
    // The prompt reached the API, with the key given to the daemon (the profile's allow-list).
    const asked = mock.messageRequests().filter((r) => r.text.includes(firstPrompt));
    expect(
      asked.length,
      `requests: ${mock.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`,
    ).toBeGreaterThan(0);
    expect(asked[0]?.headers['x-api-key']).toBe(API_KEY);

    mock.setReply('second pong');
    const secondPrompt = `Second question, marker beta-${Date.now()}: and three plus three?`;
    const second = await sendWait(fleet, 'claude-real', secondPrompt);
    expect(second.exitCode, second.what).toBe(0);
    expect(second.result.status, second.what).toBe('succeeded');
    expect(second.result.agent, second.what).toMatchObject({
      text: 'second pong',
      sessionId,
      isError: false,
    });
    expect(second.result.command).toContain('--resume');
    // The same conversation: the second request carries the first exchange.
    const continued = mock.messageRequests().filter((r) => r.text.includes(secondPrompt));
    expect(continued.length).toBeGreaterThan(0);
    expect(continued.some((r) => r.text.includes(firstPrompt) && r.text.includes(reply))).toBe(true);

    await expectIdleIn(fleet, 'claude-real', sessionId);

    // The key was in the daemon's environment and the pane's, never in what tmuxorch writes.
    const tmuxorchHome = String(fleet.env.TMUXORCH_HOME);
    const required = ['state/state.json', 'state/state.journal', 'logs/controller.log'].map((p) =>
      join(tmuxorchHome, p),
    );
    const files = await filesUnder(tmuxorchHome);
    for (const file of required) expect(files).toContain(file);
    expect(await filesHolding(tmuxorchHome, API_KEY), 'files holding the API key').toEqual([]);
  }, 90_000);

  // Claude's TUI in the pane against the stand-in: two tasks in one conversation. Unless `trusted`,
  // the seed leaves the project out, so the TUI first asks whether to trust it (the driver accepts).
  async function interactiveClaude(trusted: boolean): Promise<void> {
    const reply = 'pong from the TUI';
    const mock = await suite.mock({ reply });
    const scratch = await suite.scratch();
    const env = claudeEnv(scratch, cliDir ?? '', mock.url, TUI_API_KEY, {
      CLAUDE_CONFIG_DIR: scratch.claudeConfigDir,
    });
    const fleet = await suite.fleet({ env });
    const [current, api] = [fleet, mock];
    await expectOk(fleet, ['start']);
    const project = await realpath(await gitProject(fleet, 'claude-tui'));
    await seedClaudeConfig(scratch, { apiKey: TUI_API_KEY, trusted: trusted ? [project] : [] });
    const worker = await addAgent(fleet, 'claude', 'claude-tui', project, true);
    const sessionId = worker.agentSessionId;
    expect(sessionId).toMatch(UUID);
    const failWith = async (what: string): Promise<never> => {
      throw new Error(`${what}\n${await paneReport(current, worker)}`);
    };

    // Unless trusted, the TUI first asks about the project (the driver answers it). Else the task
    // goes in at once: the driver waits for the TUI's prompt.
    if (!trusted) {
      await waitFor(async () => TRUST_QUESTION.test(await capture(current, worker.name)), {
        timeoutMs: 30_000,
        message: 'claude asks whether to trust the project',
      }).catch((e: unknown) => failWith(String(e)));
    }

    const ask = async (prompt: string, answer: string): Promise<void> => {
      api.setReply(answer);
      const sent = await sendWait(current, worker.name, prompt);
      if (sent.result.status !== 'succeeded') await failWith(sent.what);
      expect(sent.exitCode, sent.what).toBe(0);
      expect(sent.result.reason).toBeNull();
      expect(sent.result.agent, sent.what).toMatchObject({ text: answer, sessionId });
      expect(sent.result.agent?.isError, sent.what).not.toBe(true);
      expect(sent.result.prompt).toBe(prompt);
      // The prompt reached the API, with the key of the daemon's environment.
      const asked = api.messageRequests().filter((r) => r.text.includes(prompt));
      expect(asked.length, `requests: ${api.requests.map((r) => r.path).join(', ')}`).toBeGreaterThan(0);
      expect(asked[0]?.headers['x-api-key']).toBe(TUI_API_KEY);
    };
    const firstPrompt = `First question, marker gamma-${Date.now()}: what is two plus two?`;
    await ask(firstPrompt, reply);
    const secondPrompt = `Second question, marker delta-${Date.now()}: and three plus three?`;
    await ask(secondPrompt, 'second pong from the TUI');
    // The same conversation: the second request carries the first exchange.
    const continued = api.messageRequests().filter((r) => r.text.includes(secondPrompt));
    expect(continued.some((r) => r.text.includes(firstPrompt) && r.text.includes(reply))).toBe(true);

    // Each turn was seen by the hooks: submitted, then stopped, in the worker's session.
    const tmuxorchHome = String(fleet.env.TMUXORCH_HOME);
    const events = await hookEvents(tmuxorchHome, worker.id);
    const names = events.map((e) => e.hook_event_name);
    expect(names.filter((n) => n === 'UserPromptSubmit')).toHaveLength(2);
    expect(names.filter((n) => n === 'Stop')).toHaveLength(2);
    expect(new Set(events.map((e) => e.session_id))).toEqual(new Set([sessionId]));

    await expectIdleIn(fleet, 'claude-tui', sessionId);
    expect(IDLE_FOOTER.test(await capture(fleet, worker.name))).toBe(true);
    // Accepting the trust prompt is what Claude remembers for the project.
    if (!trusted) expect(await claudeTrusts(scratch, project)).toBe(true);
    // The key was in the daemon's and the pane's environment; neither it nor its last 20 chars (what
    // Claude shows of a key it asks about) are in what tmuxorch writes.
    expect(await filesHolding(tmuxorchHome, TUI_API_KEY.slice(-20)), 'files holding the API key').toEqual([]);
  }

  it('runs the real claude TUI (interactive) against a stand-in API: pasted tasks, hooks, one session', async () => {
    await interactiveClaude(true);
  }, 120_000);

  it('interactive claude in a project it does not trust yet: the driver accepts the trust prompt', async () => {
    await interactiveClaude(false);
  }, 120_000);
});
