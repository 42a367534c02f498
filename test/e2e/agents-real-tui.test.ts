// The real gemini and opencode TUIs (interactive mode) through the built tmuxorch CLI, each
// against an in-process stand-in of its API: a task's answer and the session id come from the
// CLI's own events (gemini's AfterAgent hook, an opencode plugin), and a TUI that exited is revived
// resuming the same conversation (gemini used to be typed `--session-id <same id>` and refuse).
// Skipped when a CLI is not installed (.ci/run installs gemini into .agent-clis; opencode is
// looked up in $TMUXORCH_OPENCODE_DIR or <repo>/.opencode-cli/node_modules/.bin).
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCliDir, hasCli, REPO_ROOT } from '../helpers/agent-clis.js';
import { agentEnv, createScratch, type Scratch } from '../helpers/claude-home.js';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { startMockAnthropic, type MockAnthropic } from '../helpers/mock-anthropic.js';
import { startMockGemini, type MockGemini } from '../helpers/mock-gemini.js';
import { waitFor } from '../helpers/wait-for.js';
import { cleanupAndCheck, expectOk, runJson, type TaskResult, type WorkerView } from './support.js';

const cliDir = agentCliDir();
const geminiHere = cliDir !== null && hasCli('gemini');
const OPENCODE_DIR =
  process.env.TMUXORCH_OPENCODE_DIR ??
  (cliDir !== null && hasCli('opencode') ? cliDir : join(REPO_ROOT, '.opencode-cli', 'node_modules', '.bin'));
const opencodeHere = ((): boolean => {
  try {
    accessSync(join(OPENCODE_DIR, 'opencode'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();
if (!geminiHere)
  console.warn('agents-real-tui.test.ts: gemini is not installed (run .ci/run): its tests skip');
if (!opencodeHere)
  console.warn(
    `agents-real-tui.test.ts: opencode is not in ${OPENCODE_DIR} (npm install --prefix .opencode-cli opencode-ai): its tests skip`,
  );

// Gemini reads a system settings file (our hooks) only on a path root alone can write.
const ROOT_ONLY_PARENT = process.getuid?.() === 0 ? homedir() : null;

let fleet: CliFleet | undefined;
let scratch: Scratch | undefined;
let closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  try {
    await cleanupAndCheck(fleet);
  } finally {
    fleet = undefined;
    for (const close of closers) await close();
    closers = [];
    await scratch?.remove();
    scratch = undefined;
  }
});

async function addTui(current: CliFleet, type: string, name: string, project: string): Promise<WorkerView> {
  const args = ['add-worker', '--type', type, '--project', project, '--name', name, '--interactive'];
  const { exitCode, body, run } = await runJson<WorkerView>(current, args);
  expect(exitCode, `add-worker: ${run.stdout}${run.stderr}`).toBe(0);
  return body;
}

async function sendWait(current: CliFleet, worker: string, prompt: string) {
  const { exitCode, body, run } = await runJson<TaskResult>(current, [
    'send',
    worker,
    '--wait',
    '--',
    prompt,
  ]);
  const screen = (await current.run(['capture', worker])).stdout;
  return { exitCode, result: body, what: `${run.stdout}${run.stderr}\n--- screen:\n${screen}` };
}

async function worker(current: CliFleet, name: string): Promise<WorkerView | undefined> {
  const { body } = await runJson<WorkerView[]>(current, ['list']);
  return body.find((w) => w.name === name);
}

// Quits the TUI as a person would (it is back at the worker shell), then waits until the health
// sweep has revived it and the worker is idle again.
async function quitAndWaitRevived(current: CliFleet, view: WorkerView, keys: string[]): Promise<WorkerView> {
  const pane = (await worker(current, view.name))?.paneId ?? '';
  for (const key of keys) {
    await current.tmux.tmux('send-keys', '-t', pane, key);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return waitFor(
    async () => {
      const w = await worker(current, view.name);
      return w && w.restarts >= 1 && w.state === 'idle' ? w : null;
    },
    { timeoutMs: 60_000, intervalMs: 250, message: `${view.name} revived after its TUI exited` },
  );
}

describe.skipIf(!geminiHere)('the real gemini TUI', () => {
  async function geminiFleet(parentDir: string | undefined): Promise<{ mock: MockGemini; project: string }> {
    // A turn of 1.5 s: an instant answer can come and go between two screen readings, and the
    // screen-only driver then takes the prompt for unsubmitted (seen under load; not this fix).
    const mock = await startMockGemini('first gemini reply', 1_500);
    closers.push(() => mock.close());
    scratch = await createScratch();
    const env = agentEnv(scratch, cliDir ?? '', {
      GEMINI_API_KEY: 'gemini-test-key',
      GOOGLE_GEMINI_BASE_URL: mock.url,
      // A daemon started from a CI job: gemini's TUI drew nothing with these in its pane (CI
      // failed on it), so the profile unsets them there.
      CI: 'true',
      CI_JOB_ID: '7',
    });
    fleet = await createCliFleet({ env, ...(parentDir ? { parentDir } : {}) });
    await expectOk(fleet, ['start']);
    const project = await realpath(await fleet.home.project('gemini-tui'));
    // ../shared/AGENTS.md §4.2: the auth type, and the project trusted (straight to the prompt).
    await mkdir(join(scratch.home, '.gemini'), { recursive: true });
    await writeFile(
      join(scratch.home, '.gemini', 'settings.json'),
      JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
    );
    await writeFile(
      join(scratch.home, '.gemini', 'trustedFolders.json'),
      JSON.stringify({ [project]: 'TRUST_FOLDER' }),
    );
    return { mock, project };
  }

  async function restartResumes(hooked: boolean): Promise<void> {
    const parent =
      hooked && ROOT_ONLY_PARENT ? await mkdtemp(join(ROOT_ONLY_PARENT, '.tmuxorch-test-')) : undefined;
    if (parent) closers.push(() => rm(parent, { recursive: true, force: true }));
    const { mock } = await geminiFleet(parent);
    const current = fleet as CliFleet;
    const view = await addTui(
      current,
      'gemini',
      'gem',
      await realpath(join(current.home.dir, 'projects', 'gemini-tui')),
    );
    const sessionId = view.agentSessionId;

    // Gemini redraws its whole screen while it starts up; a paste then can be lost (not this fix).
    let screen = '';
    await waitFor(
      async () => {
        screen = (await current.run(['capture', 'gem'])).stdout;
        return /Type your message/.test(screen);
      },
      { timeoutMs: 60_000, message: 'gemini shows its prompt' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; the screen:\n${screen}`);
    });
    const firstPrompt = `First question, marker ${Date.now()}: two plus two`;
    const first = await sendWait(current, 'gem', firstPrompt);
    expect(first.result.status, first.what).toBe('succeeded');
    expect(first.result.agent?.sessionId, first.what).toBe(sessionId);
    if (hooked) expect(first.result.agent?.text, first.what).toBe('first gemini reply');

    // Gemini quits on a second Ctrl-C; the revived TUI resumes the conversation.
    const revived = await quitAndWaitRevived(current, view, ['C-c', 'C-c']);
    expect(revived.agentSessionId).toBe(sessionId);
    mock.setReply('second gemini reply');
    const secondPrompt = `Second question, marker ${Date.now()}: and three plus three`;
    const second = await sendWait(current, 'gem', secondPrompt);
    expect(second.result.status, second.what).toBe('succeeded');
    if (hooked) expect(second.result.agent?.text, second.what).toBe('second gemini reply');
    // The same conversation: the second turn carried the first prompt and answer.
    const turn = mock.turns.find((t) => t.includes(secondPrompt)) ?? '';
    expect(turn.includes(firstPrompt) && turn.includes('first gemini reply'), second.what).toBe(true);
    console.info(
      `gemini TUI (${hooked ? 'AfterAgent hook' : 'screen'}): tasks took ${first.result.durationMs} and ${second.result.durationMs} ms`,
    );
    const after = await worker(current, 'gem');
    expect(after).toMatchObject({ state: 'idle', agentSessionId: sessionId, lastError: null, restarts: 1 });
    // The revived TUI was typed the resume form (the pane log has what the pane printed).
    const log = join(String(current.env.TMUXORCH_HOME), 'logs', 'workers', `${view.id}.log`);
    expect(await readFile(log, 'utf8')).toContain(`gemini --resume ${sessionId ?? ''}`);
  }

  it('a revived TUI resumes the conversation (screen end, no hook on a path gemini distrusts)', async () => {
    await restartResumes(false);
  }, 180_000);

  it.skipIf(!ROOT_ONLY_PARENT)(
    "with a root-only home, gemini's AfterAgent hook gives the answer, and a revived TUI resumes",
    async () => {
      await restartResumes(true);
    },
    180_000,
  );
});

describe.skipIf(!opencodeHere)('the real opencode TUI', () => {
  it('its plugin gives the answer and the session id; a revived TUI continues that session', async () => {
    const mock: MockAnthropic = await startMockAnthropic({ reply: 'first opencode reply' });
    closers.push(() => mock.close());
    scratch = await createScratch();
    const config = {
      model: 'anthropic/claude-sonnet-4-5',
      provider: { anthropic: { options: { baseURL: `${mock.url}/v1`, apiKey: 'dummy' } } },
    };
    const env = agentEnv(scratch, OPENCODE_DIR, {
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    });
    fleet = await createCliFleet({ env });
    const current = fleet;
    await expectOk(current, ['start']);
    const project = await realpath(await current.home.project('opencode-tui'));
    const view = await addTui(current, 'opencode', 'oc', project);
    expect(view.agentSessionId).toBeNull();
    // With a plugin, opencode's first start in a HOME installs @opencode-ai/plugin into
    // ~/.config/opencode (20-40 s of blank pane, once; ../shared/AGENTS.md §5.2).
    const started = Date.now();
    await waitFor(async () => /Ask anything/.test((await current.run(['capture', 'oc'])).stdout), {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'opencode shows its prompt',
    });
    console.info(`opencode first start with the plugin: ${Date.now() - started} ms to its prompt`);

    const firstPrompt = `First question, marker ${Date.now()}: two plus two`;
    const first = await sendWait(current, 'oc', firstPrompt);
    expect(first.result.status, first.what).toBe('succeeded');
    expect(first.result.agent?.text, first.what).toBe('first opencode reply');
    const sessionId = first.result.agent?.sessionId ?? '';
    expect(sessionId, first.what).toMatch(/^ses_/);
    expect(await worker(current, 'oc')).toMatchObject({ agentSessionId: sessionId });

    // One Ctrl-C at its prompt quits opencode; the revived TUI is typed `opencode -s <id>`.
    const revived = await quitAndWaitRevived(current, view, ['C-c']);
    expect(revived.agentSessionId).toBe(sessionId);
    mock.setReply('second opencode reply');
    const secondPrompt = `Second question, marker ${Date.now()}: and three plus three`;
    const second = await sendWait(current, 'oc', secondPrompt);
    expect(second.result.status, second.what).toBe('succeeded');
    expect(second.result.agent, second.what).toMatchObject({ text: 'second opencode reply', sessionId });
    const continued = mock.messageRequests().filter((r) => r.text.includes(secondPrompt));
    expect(
      continued.some((r) => r.text.includes(firstPrompt)),
      second.what,
    ).toBe(true);
  }, 240_000);
});
