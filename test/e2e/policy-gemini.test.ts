// Layer 3 for gemini: its BeforeTool hook runs `tmuxorch policy check --format gemini` before each
// tool call, in one-shot mode too. The real gemini against the loopback stand-in: a coder's
// write_file of a protected path is blocked and the model hears why (the function response
// carries tmuxorch's reason); its write in the project goes through. Gemini reads the settings file that carries the hook only on a
// path root alone can write, so this runs as root (as CI does) or skips saying so.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCliDir, hasCli } from '../helpers/agent-clis.js';
import { agentEnv, createScratch, type Scratch } from '../helpers/claude-home.js';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { startMockGemini, type MockGemini } from '../helpers/mock-gemini.js';
import { cleanupAndCheck, expectOk, runJson, type TaskResult, type WorkerView } from './support.js';

const cliDir = agentCliDir();
const ROOT_ONLY_PARENT = process.getuid?.() === 0 ? homedir() : null;
const runs = cliDir !== null && hasCli('gemini') && ROOT_ONLY_PARENT !== null;
if (!runs)
  console.warn(
    'policy-gemini.test.ts: skipped: it needs the real gemini (.agent-clis) and root (gemini reads hook settings only on a root-owned path)',
  );

let fleet: CliFleet | undefined;
let scratch: Scratch | undefined;
let mock: MockGemini | undefined;
let parent: string | undefined;

afterEach(async () => {
  try {
    await cleanupAndCheck(fleet);
  } finally {
    fleet = undefined;
    await mock?.close();
    await scratch?.remove();
    if (parent) await rm(parent, { recursive: true, force: true });
    mock = scratch = parent = undefined;
  }
});

async function geminiFleet(): Promise<CliFleet> {
  mock = await startMockGemini('all done');
  scratch = await createScratch();
  parent = await mkdtemp(join(ROOT_ONLY_PARENT ?? homedir(), '.tmuxorch-test-'));
  const made = await createCliFleet({
    env: agentEnv(scratch, cliDir ?? '', {
      GEMINI_API_KEY: 'gemini-test-key',
      GOOGLE_GEMINI_BASE_URL: mock.url,
    }),
    parentDir: parent,
  });
  fleet = made;
  await mkdir(join(scratch.home, '.gemini'), { recursive: true });
  await writeFile(
    join(scratch.home, '.gemini', 'settings.json'),
    JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
  );
  await expectOk(made, ['start']);
  return made;
}

async function addGemini(current: CliFleet, name: string, role: string): Promise<string> {
  const project = await realpath(await current.home.project(name));
  const added = await runJson<WorkerView>(current, [
    'add-worker',
    '--type',
    'gemini',
    '--project',
    project,
    '--name',
    name,
    '--role',
    role,
  ]);
  expect(added.exitCode, `${added.run.stdout}${added.run.stderr}`).toBe(0);
  return project;
}

describe.skipIf(!runs)('layer 3: the real gemini, its tool calls checked by its BeforeTool hook', () => {
  it(
    'blocks a coder’s write of a protected path with the reason; lets its write in the project through',
    { timeout: 180_000 },
    async () => {
      const current = await geminiFleet();
      // A coder: gemini offers write_file (auto_edit), so the hook is what stands in the way.
      const project = await addGemini(current, 'gem-coder', 'coder');
      const denied = await runJson<TaskResult>(current, [
        'send',
        'gem-coder',
        '--wait',
        '--',
        `USE_WRITE ${join(project, '.github', 'workflows', 'ci.yml')}`,
      ]);
      expect(denied.body.status, `${denied.run.stdout}${denied.run.stderr}`).toBe('succeeded');
      expect(existsSync(join(project, '.github', 'workflows', 'ci.yml'))).toBe(false);
      // The turn after the call carries its result: blocked, with tmuxorch's reason.
      const heard = mock?.turns.find((body) => body.includes('"functionResponse":{')) ?? '';
      const response = heard.slice(
        heard.indexOf('"functionResponse":{'),
        heard.indexOf('"functionResponse":{') + 400,
      );
      expect(response).toContain(
        'Tool execution blocked: tmuxorch: role coder: .github/workflows/ci.yml is a protected path',
      );
      const allowed = await runJson<TaskResult>(current, [
        'send',
        'gem-coder',
        '--wait',
        '--',
        `USE_WRITE ${join(project, 'ok.txt')}`,
      ]);
      expect(allowed.body.status, `${allowed.run.stdout}${allowed.run.stderr}`).toBe('succeeded');
      expect(existsSync(join(project, 'ok.txt'))).toBe(true);
    },
  );
});
