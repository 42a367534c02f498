// The real agent CLIs (claude, codex, gemini from npm) in one-shot mode, driven through the built
// tmuxorch CLI. Hermetic: a scratch HOME (and CODEX_HOME) per test, no inherited key or login,
// claude pointed at an in-process stand-in of the Anthropic API (test/helpers/mock-anthropic.ts).
// Skipped when the CLIs are not installed (.ci/run installs them into <repo>/.agent-clis).
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCliDir, hasCli, REPO_AGENT_CLIS } from '../helpers/agent-clis.js';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { startMockAnthropic, type MockAnthropic } from '../helpers/mock-anthropic.js';
import { cleanupAndCheck, expectOk, runJson, status, type TaskResult, type WorkerView } from './support.js';

const cliDir = agentCliDir();
const SKIP_REASON =
  'claude/codex/gemini are not installed: run .ci/run (it installs them into .agent-clis/), or set TMUXORCH_AGENT_CLI_DIR to a node_modules/.bin holding them';
const TITLE = cliDir
  ? 'real agent CLIs (claude, codex, gemini)'
  : `real agent CLIs — SKIPPED: ${SKIP_REASON}`;
if (!cliDir) console.warn(`agents-real.test.ts skipped: ${SKIP_REASON}`);

// Inherited variables that could log a CLI in, point it elsewhere or move its config: none of the
// machine's reach the daemon (and so the panes).
const SCRUBBED_PREFIXES = ['ANTHROPIC_', 'CLAUDE', 'OPENAI_', 'CODEX_', 'GEMINI_', 'GOOGLE_', 'XDG_'];

const API_KEY = 'sk-test-dummy';

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

interface Scratch {
  // HOME for the daemon and its panes: no real login of this machine is seen.
  readonly home: string;
  // Outside /tmp when possible: codex warns about a CODEX_HOME under a temporary dir.
  readonly codexHome: string;
  remove(): Promise<void>;
}

async function createScratch(): Promise<Scratch> {
  const home = await mkdtemp(join(tmpdir(), 'tmuxorch-agent-home-'));
  let codexHome: string;
  try {
    const parent = join(REPO_AGENT_CLIS, 'scratch');
    await mkdir(parent, { recursive: true });
    codexHome = await mkdtemp(join(parent, 'codex-home-'));
  } catch {
    codexHome = await mkdtemp(join(tmpdir(), 'tmuxorch-codex-home-'));
  }
  return {
    home,
    codexHome,
    async remove() {
      await rm(home, { recursive: true, force: true });
      await rm(codexHome, { recursive: true, force: true });
    },
  };
}

// The daemon's environment: the CLIs first on PATH, a scratch HOME, nothing of the machine's
// agent variables, plus `extra`.
function agentEnv(scratch: Scratch, extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) {
    if (SCRUBBED_PREFIXES.some((prefix) => key.startsWith(prefix))) env[key] = undefined;
  }
  return {
    ...env,
    PATH: `${cliDir}${delimiter}${process.env.PATH ?? ''}`,
    HOME: scratch.home,
    CODEX_HOME: scratch.codexHome,
    ...extra,
  };
}

// A project directory that is its own git repository (codex wants one; claude and gemini then
// stop looking for instruction files at its root).
async function gitProject(fleet: CliFleet, name: string): Promise<string> {
  const project = await fleet.home.project(name);
  await execa('git', ['init', '-q', project], { reject: false });
  return project;
}

async function addAgent(fleet: CliFleet, type: string, name: string, project: string): Promise<WorkerView> {
  const { exitCode, body, run } = await runJson<WorkerView>(fleet, [
    'add-worker',
    '--type',
    type,
    '--project',
    project,
    '--name',
    name,
  ]);
  expect(exitCode, `add-worker --type ${type}: ${run.stdout}${run.stderr}`).toBe(0);
  expect(body).toMatchObject({ name, type, project, mode: 'one-shot' });
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

// Every file under a directory (absolute paths), for looking for a secret in all of them.
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe.skipIf(!cliDir)(TITLE, () => {
  let fleet: CliFleet | undefined;
  let scratch: Scratch | undefined;
  let mock: MockAnthropic | undefined;

  afterEach(async () => {
    try {
      await cleanupAndCheck(fleet);
    } finally {
      fleet = undefined;
      await mock?.close();
      mock = undefined;
      await scratch?.remove();
      scratch = undefined;
    }
  });

  it('without a login each CLI fails fast with the fix as the reason, and its worker shows auth_required', async () => {
    scratch = await createScratch();
    fleet = await createCliFleet({ env: agentEnv(scratch) });
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
    mock = await startMockAnthropic({ reply });
    scratch = await createScratch();
    fleet = await createCliFleet({
      env: agentEnv(scratch, {
        ANTHROPIC_BASE_URL: mock.url,
        ANTHROPIC_API_KEY: API_KEY,
        // A refused request fails in under a second instead of ~3 minutes of retries.
        CLAUDE_CODE_MAX_RETRIES: '0',
        DISABLE_AUTOUPDATER: '1',
        // No telemetry or update checks towards the real service where the machine has a network.
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      }),
    });
    await expectOk(fleet, ['start']);
    const project = await gitProject(fleet, 'claude-project');
    const added = await addAgent(fleet, 'claude', 'claude-real', project);
    const listed = (await listWorkers(fleet)).find((w) => w.name === 'claude-real');
    const sessionId = listed?.agentSessionId;
    expect(sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
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

    const after = (await listWorkers(fleet)).find((w) => w.name === 'claude-real');
    expect(after).toMatchObject({
      state: 'idle',
      agentSessionId: sessionId,
      lastError: null,
      runningTask: null,
    });

    // The key was in the daemon's environment and the pane's, never in what tmuxorch writes.
    const tmuxorchHome = String(fleet.env.TMUXORCH_HOME);
    const required = ['state/state.json', 'state/state.journal', 'logs/controller.log'].map((p) =>
      join(tmuxorchHome, p),
    );
    const files = await filesUnder(tmuxorchHome);
    for (const file of required) expect(files).toContain(file);
    const leaking: string[] = [];
    for (const file of files) {
      if (file.endsWith('.sock')) continue;
      const text = await readFile(file, 'utf8').catch(() => '');
      if (text.includes(API_KEY)) leaking.push(file);
    }
    expect(leaking, 'files holding the API key').toEqual([]);
  }, 90_000);
});
