// The hooks of gemini and opencode: payloads recorded from the real CLIs (gemini 0.61.0 through
// GEMINI_CLI_SYSTEM_SETTINGS_PATH, opencode 1.18.33 through a plugin) come back as Claude-shaped
// events with the answer and the session id; the opencode plugin module tmuxorch writes is run
// for real on opencode's recorded events; a settings file is merged, never replaced.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { geminiSettingsText, opencodeConfigContent } from '../../src/domain/agents/hook-settings.js';
import { opencodePluginSource } from '../../src/infrastructure/process/opencode-plugin.js';
import { lastWords } from '../../src/domain/agents/last-words.js';
import { describeRange, parseVersion, versionFit } from '../../src/domain/agents/version-range.js';
import { HookLog, normalize, type HookEvent } from '../../src/infrastructure/agents/hook-log.js';
import { REPO_ROOT } from '../helpers/agent-clis.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'hooks');

async function lines(name: string): Promise<HookEvent[]> {
  const text = await readFile(join(FIXTURES, name), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as HookEvent);
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('gemini hooks', () => {
  it("maps gemini's AfterAgent to a Stop with its answer, BeforeAgent to UserPromptSubmit", async () => {
    const events = (await lines('gemini-0.61.0-turn.jsonl')).map(normalize);
    const session = '44444444-2222-3333-4444-555555555555';
    expect(events).toEqual([
      expect.objectContaining({ hook_event_name: 'SessionStart' }),
      { hook_event_name: 'UserPromptSubmit', session_id: session },
      { hook_event_name: 'Stop', session_id: session, last_assistant_message: 'mock reply' },
    ]);
  });

  it('a cancelled turn has no answer; a tool permission notification asks for approval', () => {
    const base = { session_id: 's', transcript_path: '/t.jsonl' };
    expect(
      normalize({ ...base, hook_event_name: 'AfterAgent', prompt_response: '[no response text]' }),
    ).toEqual({ hook_event_name: 'Stop', session_id: 's', last_assistant_message: null });
    expect(
      normalize({ ...base, hook_event_name: 'Notification', notification_type: 'ToolPermission' }),
    ).toEqual({ hook_event_name: 'PermissionRequest', session_id: 's' });
  });

  it("keeps the machine's system settings and its hooks, adding ours", () => {
    const base = JSON.stringify({
      general: { vimMode: true },
      hooks: { AfterAgent: [{ hooks: [{ type: 'command', command: 'admin' }] }] },
    });
    const settings = JSON.parse(geminiSettingsText(base, 'ours')) as {
      general: unknown;
      hooks: Record<string, { hooks: { command: string }[] }[]>;
    };
    expect(settings.general).toEqual({ vimMode: true });
    expect(settings.hooks.AfterAgent?.map((h) => h.hooks[0]?.command)).toEqual(['admin', 'ours']);
    expect(settings.hooks.BeforeAgent?.map((h) => h.hooks[0]?.command)).toEqual(['ours']);
    expect(JSON.parse(geminiSettingsText(null, 'x'))).toHaveProperty('hooks.Notification');
  });

  it('hands gemini a settings file only where gemini would read it (root-owned path)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmuxorch-hooks-'));
    const hooks = new HookLog(join(dir, 'hooks'));
    // /tmp is writable by everyone: gemini would skip the file with a warning.
    expect(hooks.wired('gemini-system-settings')).toBe(false);
    expect(hooks.hookEnv('w1', 'gemini-system-settings', {})).toEqual({});
    expect(hooks.wired('claude-settings')).toBe(true);
    expect(hooks.wired(null)).toBe(false);
  });
});

describe('opencode hooks', () => {
  it("the plugin turns opencode's events into a prompt line and a Stop with the answer", async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmuxorch-hooks-'));
    const log = join(dir, 'w.jsonl');
    const module = join(dir, 'plugin.mjs');
    await writeFile(module, opencodePluginSource(log));
    const loaded = (await import(pathToFileURL(module).href)) as {
      TmuxorchHooks: () => Promise<{ event: (input: { event: unknown }) => Promise<void> }>;
    };
    const plugin = await loaded.TmuxorchHooks();
    for (const event of await lines('opencode-1.18.33-turn.jsonl')) await plugin.event({ event });
    const written = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as HookEvent);
    const session = 'ses_daeab2b82ffeemaiietRmdpCl8';
    expect(written).toEqual([
      { hook_event_name: 'UserPromptSubmit', session_id: session },
      { hook_event_name: 'Stop', session_id: session, last_assistant_message: 'mock reply' },
    ]);
  });

  it('with a check, asks it before each tool call: an allow lets the call go, a deny or a check that fails throws', async () => {
    const here = await mkdtemp(join(tmpdir(), 'tmuxorch-hooks-'));
    dir = here;
    const seen = join(here, 'seen.json');
    // A stand-in of `tmuxorch policy check`: records its stdin, answers as its argument says.
    const checker = join(here, 'check.mjs');
    await writeFile(
      checker,
      `import { readFileSync, writeFileSync } from 'node:fs';
const input = readFileSync(0, 'utf8');
writeFileSync(${JSON.stringify(seen)}, input);
const mode = process.argv[2];
if (mode === 'crash') process.exit(2);
if (mode === 'allow') process.stdout.write(JSON.stringify({ hookSpecificOutput: { permissionDecision: 'allow' } }));
if (mode === 'deny') process.stdout.write(JSON.stringify({ hookSpecificOutput: { permissionDecision: 'deny', permissionDecisionReason: 'tmuxorch: role x: no' } }));
`,
    );
    type Hooks = { 'tool.execute.before': (input: unknown, output: unknown) => Promise<void> };
    const pluginFor = async (mode: string): Promise<Hooks> => {
      const module = join(here, `plugin-${mode}.mjs`);
      await writeFile(module, opencodePluginSource(join(here, 'w.jsonl'), [process.execPath, checker, mode]));
      const loaded = (await import(pathToFileURL(module).href)) as {
        TmuxorchHooks: (ctx: { directory: string }) => Promise<Hooks>;
      };
      return loaded.TmuxorchHooks({ directory: '/p' });
    };
    const call = { tool: 'bash', sessionID: 's', callID: 'c' };
    const args = { args: { command: 'touch x' } };
    await expect((await pluginFor('allow'))['tool.execute.before'](call, args)).resolves.toBeUndefined();
    expect(JSON.parse(await readFile(seen, 'utf8'))).toEqual({
      hook_event_name: 'PreToolUse',
      tool_name: 'bash',
      tool_input: { command: 'touch x' },
      cwd: '/p',
    });
    // No decision (a tool the rules do not know): opencode's own permissions decide.
    await expect((await pluginFor('defer'))['tool.execute.before'](call, args)).resolves.toBeUndefined();
    await expect((await pluginFor('deny'))['tool.execute.before'](call, args)).rejects.toThrow(
      'tmuxorch: role x: no',
    );
    await expect((await pluginFor('crash'))['tool.execute.before'](call, args)).rejects.toThrow(
      'the policy could not be checked',
    );
  });

  it("adds the plugin to the worker's own OPENCODE_CONFIG_CONTENT, and leaves a non-JSON one alone", () => {
    const mine = JSON.stringify({ model: 'a/b', plugin: ['p1'] });
    expect(JSON.parse(opencodeConfigContent(mine, 'file:///x.mjs') ?? '')).toEqual({
      model: 'a/b',
      plugin: ['p1', 'file:///x.mjs'],
    });
    expect(JSON.parse(opencodeConfigContent(undefined, 'file:///x.mjs') ?? '')).toEqual({
      plugin: ['file:///x.mjs'],
    });
    expect(opencodeConfigContent('not json', 'file:///x.mjs')).toBeNull();
  });
});

describe('what a dying CLI said, and version drift', () => {
  it("takes the CLI's last lines off the pane, not the shell prompt or tmuxorch's markers", () => {
    const screen = [
      "$ printf '\\n%s%s\\n' '---READY' '-r123---'",
      '---READY-r123---',
      "$ 'gemini' '--session-id' '4444'",
      'Error starting session: Session ID "4444" already exists. Use --resume to resume it, or provide a different ID.',
      '$ ',
      '',
    ].join('\n');
    expect(lastWords(screen)).toBe(
      'Error starting session: Session ID "4444" already exists. Use --resume to resume it, or provide a different ID.',
    );
    expect(lastWords('$ \n\n')).toBeNull();
  });

  it('reads versions from --version output and places them against the verified range', () => {
    expect(parseVersion('2.1.197 (Claude Code)')).toBe('2.1.197');
    expect(parseVersion('codex-cli 0.171.0')).toBe('0.171.0');
    expect(parseVersion('no version')).toBeNull();
    const range = { min: '0.169.0', max: '0.169.0' };
    expect(versionFit(range, '0.169.0')).toBe('verified');
    expect(versionFit(range, '0.171.0')).toBe('newer');
    expect(versionFit(range, '0.99.9')).toBe('older');
    expect(versionFit(range, null)).toBe('unknown');
    expect(describeRange({ min: '1.0.0', max: '1.2.0' })).toBe('1.0.0–1.2.0');
  });
});
