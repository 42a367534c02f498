// How the real agent CLIs fail, and what tmuxorch makes of it (issue 12 §4): each failure is
// reported as it happens, with the CLI's own words. Hermetic as agents-real.test.ts: a scratch
// HOME per test, no inherited key or login, claude pointed at an in-process stand-in of the API.
//  - claude's TUI with a fresh HOME exits at once (its onboarding dials api.anthropic.com; a
//    proxy on a closed loopback port makes that fail on any machine): the worker's lastError and
//    the task say so at once, not after 30 s.
//  - a denied approval fails its task as denied, naming the tool (it used to succeed, 5 s later).
//  - codex's TUI without its provider's key prints an error after the paste: a failed task with
//    that sentence (it used to be `unsubmitted` after 3 Enters, 9.6 s).
//  - gemini one-shot with an auth it rejects: its JSON error on stderr gives the sentence.
// Skipped when the CLIs are not installed (.ci/run installs them into <repo>/.agent-clis).
import { existsSync } from 'node:fs';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gemini } from '../../src/domain/agents/gemini.js';
import { agentCliDir, hasCli } from '../helpers/agent-clis.js';
import { agentEnv, claudeEnv, seedClaudeConfig } from '../helpers/claude-home.js';
import { customProviderConfig } from '../helpers/codex-config.js';
import type { CliFleet } from '../helpers/cli.js';
import { TOOL_FILE, USE_TOOL } from '../helpers/mock-anthropic.js';
import { waitFor } from '../helpers/wait-for.js';
import { expectOk, runJson, workerView, type WorkerView } from './support.js';
import { sendTask, sendWait, waitResult } from './task-commands.js';
import { realAgentSuite } from './real-agent-suite.js';

const cliDir = agentCliDir();
if (!cliDir) console.warn('agents-real-failures.test.ts skipped: claude/codex/gemini are not installed');

const TUI_API_KEY = 'sk-ant-test-dummy-0123456789-failures';
// Nothing listens there: every connection through this proxy is refused at once.
const DEAD_PROXY = 'http://127.0.0.1:9';
// The old behaviour waited 30 s (claude), pressed Enter 3 times (codex, 9.6 s) or settled 5 s
// (deny); what is reported at once fits well under these bounds on a loaded machine.
const AT_ONCE_MS = 5_000;
const REFUSED = 'API key not valid. Please pass a valid API key.';

async function gitProject(fleet: CliFleet, name: string): Promise<string> {
  const project = await fleet.home.project(name);
  await execa('git', ['init', '-q', project], { reject: false });
  return realpath(project);
}

async function addWorker(fleet: CliFleet, args: readonly string[]): Promise<WorkerView> {
  const { exitCode, body, run } = await runJson<WorkerView>(fleet, ['add-worker', ...args]);
  expect(exitCode, `add-worker: ${run.stdout}${run.stderr}`).toBe(0);
  return body;
}

// `send --wait`, with what to print when a check of its result fails.
async function sendWaitWithReport(fleet: CliFleet, worker: string, prompt: string) {
  const { exitCode, body, run } = await sendWait(fleet, worker, prompt);
  return { exitCode, result: body, what: `send ${worker}: ${run.stdout}${run.stderr}` };
}

describe.skipIf(!cliDir)('real agent CLIs: failures reported as they happen', () => {
  const suite = realAgentSuite();

  it('claude TUI with a fresh HOME exits at once: lastError and the task carry its last lines', async () => {
    const scratch = await suite.scratch();
    const fleet = await suite.fleet({
      env: claudeEnv(scratch, cliDir ?? '', DEAD_PROXY, TUI_API_KEY, {
        CLAUDE_CONFIG_DIR: scratch.claudeConfigDir,
      }),
    });
    await expectOk(fleet, ['start']);
    const project = await gitProject(fleet, 'claude-fresh');
    // add-worker waits for the TUI's first screen, or its exit.
    const added = await addWorker(fleet, [
      '--type',
      'claude',
      '--project',
      project,
      '--name',
      'fresh',
      '--interactive',
      '--env',
      `HTTPS_PROXY=${DEAD_PROXY}`,
    ]);
    expect(added.lastError, JSON.stringify(added)).toMatch(
      /^Claude Code exited: Unable to connect to Anthropic services · Failed to connect to api\.anthropic\.com/,
    );
    const started = Date.now();
    const sent = await sendWaitWithReport(fleet, 'fresh', 'Say hello.');
    expect(Date.now() - started, sent.what).toBeLessThan(AT_ONCE_MS + 10_000);
    expect(sent.result.durationMs ?? Infinity, sent.what).toBeLessThan(AT_ONCE_MS);
    expect(sent.result.status, sent.what).toBe('failed');
    expect(sent.result.reason, sent.what).toContain('Unable to connect to Anthropic services');
    expect(sent.result.reason).not.toContain('---READY');
    expect(sent.exitCode).not.toBe(0);
    const after = await workerView(fleet, 'fresh');
    expect(after.lastError).toBe(sent.result.reason);
  }, 90_000);

  it('claude: a denied approval fails the task as denied, naming the tool; the worker goes on', async () => {
    const mock = await suite.mock({ reply: 'all done' });
    const scratch = await suite.scratch();
    const fleet = await suite.fleet({
      env: claudeEnv(scratch, cliDir ?? '', mock.url, TUI_API_KEY, {
        CLAUDE_CONFIG_DIR: scratch.claudeConfigDir,
      }),
    });
    const current = fleet;
    await expectOk(fleet, ['start']);
    const project = await gitProject(fleet, 'claude-deny');
    await seedClaudeConfig(scratch, { apiKey: TUI_API_KEY, trusted: [project] });
    await addWorker(fleet, ['--type', 'claude', '--project', project, '--name', 'deny', '--interactive']);
    const id = await sendTask(fleet, 'deny', `Please ${USE_TOOL} now.`);
    await waitFor(async () => (await workerView(current, 'deny')).state === 'awaiting_approval', {
      timeoutMs: 60_000,
      intervalMs: 200,
      message: 'claude asks to run its Bash tool',
    });
    const denied = Date.now();
    await expectOk(fleet, ['deny', 'deny']);
    const { result } = await waitResult(fleet, id);
    expect(Date.now() - denied, JSON.stringify(result)).toBeLessThan(AT_ONCE_MS);
    expect(result).toMatchObject({ status: 'failed', reason: `denied: Bash(touch ${TOOL_FILE})` });
    expect(result.agent?.isError).toBe(true);
    expect(existsSync(join(project, TOOL_FILE))).toBe(false);
    // The conversation began (a hook saw the prompt) and the TUI takes the next task.
    const next = await sendWaitWithReport(fleet, 'deny', 'Say hello.');
    expect(next.result.status, next.what).toBe('succeeded');
    expect(next.result.agent?.text).toBe('all done');

    // Denied at the pane by a person (Esc in the TUI, not `tmuxorch deny`): Claude Code's
    // PermissionRequest hook without a Stop, then its prompt back, is a denial too.
    const again = await sendTask(fleet, 'deny', `Please ${USE_TOOL} again.`);
    const asking = await waitFor(
      async () => {
        const w = await workerView(current, 'deny');
        return w.state === 'awaiting_approval' ? w : null;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'claude asks again' },
    );
    await fleet.tmux.tmux('send-keys', '-t', asking.paneId ?? '', 'Escape');
    const byHand = await waitResult(fleet, again);
    expect(byHand.result).toMatchObject({ status: 'failed', reason: `denied: Bash(touch ${TOOL_FILE})` });
    expect(existsSync(join(project, TOOL_FILE))).toBe(false);
  }, 150_000);

  it('claude one-shot: a tool it denied on its own (it cannot ask) fails the task as denied', async () => {
    const mock = await suite.mock({ reply: 'all done' });
    const scratch = await suite.scratch();
    const fleet = await suite.fleet({ env: claudeEnv(scratch, cliDir ?? '', mock.url, TUI_API_KEY) });
    await expectOk(fleet, ['start']);
    const project = await gitProject(fleet, 'claude-oneshot-deny');
    await addWorker(fleet, ['--type', 'claude', '--project', project, '--name', 'oneshot']);
    const sent = await sendWaitWithReport(fleet, 'oneshot', `Please ${USE_TOOL} now.`);
    // claude itself says success (exit 0, is_error false) with the tool in permission_denials.
    expect(sent.result, sent.what).toMatchObject({
      status: 'failed',
      reason: `denied: Bash(touch ${TOOL_FILE})`,
      agent: { isError: false },
    });
    expect(existsSync(join(project, TOOL_FILE))).toBe(false);
  }, 90_000);

  it.skipIf(!hasCli('codex'))(
    'codex TUI without its provider key: a failed task with its sentence, at once',
    async () => {
      const scratch = await suite.scratch();
      const fleet = await suite.fleet({ env: agentEnv(scratch, cliDir ?? '') });
      await expectOk(fleet, ['start']);
      const project = await gitProject(fleet, 'codex-nokey');
      // A custom provider whose key (OPENAI_API_KEY) nobody set, and the project trusted.
      await writeFile(
        join(scratch.codexHome, 'config.toml'),
        customProviderConfig('gpt-mock', [
          `[projects.${JSON.stringify(project)}]`,
          'trust_level = "trusted"',
        ]),
      );
      await addWorker(fleet, ['--type', 'codex', '--project', project, '--name', 'nokey', '--interactive']);
      for (const prompt of ['Say hello.', 'Say it again.']) {
        const sent = await sendWaitWithReport(fleet, 'nokey', prompt);
        expect(sent.result.status, sent.what).toBe('failed');
        expect(sent.result.reason, sent.what).toBe('Missing environment variable: `OPENAI_API_KEY`.');
        expect(sent.result.exitCode).toBe(1);
        expect(sent.result.durationMs ?? Infinity, sent.what).toBeLessThan(AT_ONCE_MS);
      }
    },
    90_000,
  );

  it.skipIf(!hasCli('gemini'))(
    'gemini one-shot with an auth method it rejects: its own sentence, read from its JSON on stderr',
    async () => {
      const scratch = await suite.scratch();
      // GOOGLE_GEMINI_BASE_URL without an auth type in settings: "Invalid auth method selected."
      const fleet = await suite.fleet({
        env: agentEnv(scratch, cliDir ?? '', {
          GEMINI_API_KEY: 'x',
          GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9',
        }),
      });
      await expectOk(fleet, ['start']);
      const project = await gitProject(fleet, 'gemini-auth');
      await addWorker(fleet, ['--type', 'gemini', '--project', project, '--name', 'gauth']);
      const sent = await sendWaitWithReport(fleet, 'gauth', 'Say hello.');
      expect(sent.result.status, sent.what).toBe('failed');
      expect(sent.result.exitCode).toBe(41);
      expect(sent.result.agent, sent.what).toMatchObject({
        text: 'Invalid auth method selected.',
        isError: true,
      });
      expect(sent.result.reason, sent.what).toMatch(
        /^gemini: Invalid auth method selected\. \(gemini is not logged in/,
      );
      const worker = await workerView(fleet, 'gauth');
      expect(worker).toMatchObject({ state: 'auth_required', lastError: sent.result.reason });
    },
    90_000,
  );

  it.skipIf(!hasCli('gemini'))(
    "gemini one-shot with a key the API refuses (401, exit 145): the API's sentence, auth_required",
    async () => {
      const scratch = await suite.scratch();
      await mkdir(join(scratch.home, '.gemini'), { recursive: true });
      await writeFile(
        join(scratch.home, '.gemini', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
      );
      const refusing = createServer((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 401, message: REFUSED, status: 'UNAUTHENTICATED' } }));
      });
      await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = refusing.address() as AddressInfo;
        const fleet = await suite.fleet({
          env: agentEnv(scratch, cliDir ?? '', {
            GEMINI_API_KEY: 'x',
            GOOGLE_GEMINI_BASE_URL: `http://127.0.0.1:${port}`,
          }),
        });
        await expectOk(fleet, ['start']);
        const project = await gitProject(fleet, 'gemini-401');
        await addWorker(fleet, ['--type', 'gemini', '--project', project, '--name', 'g401']);
        const sent = await sendWaitWithReport(fleet, 'g401', 'Say hello.');
        expect(sent.result.exitCode, sent.what).toBe(145);
        expect(sent.result.agent, sent.what).toMatchObject({ text: REFUSED, isError: true });
        expect(sent.result.reason, sent.what).toBe(`gemini: ${REFUSED} (${gemini.authHint})`);
        expect(await workerView(fleet, 'g401')).toMatchObject({ state: 'auth_required' });
      } finally {
        refusing.closeAllConnections();
        await new Promise<void>((resolve) => refusing.close(() => resolve()));
      }
    },
    90_000,
  );
});
