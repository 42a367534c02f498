// HookLog: the hook commands it hands an agent really append their payloads, and the lines after a
// mark come back as events (codex's notify payload as a Stop event, its title turn dropped).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HookLog, normalize } from '../../src/infrastructure/agents/hook-log.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tmuxorch hooks 'x' "));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('HookLog', () => {
  it("gives Claude Code's settings whose hook command appends the payload it reads", () => {
    const log = new HookLog(dir);
    const settings = JSON.parse(readFileSync(log.settingsFile('w-1'), 'utf8')) as {
      hooks: Record<string, Array<{ hooks: Array<{ type: string; command: string }> }>>;
    };
    expect(Object.keys(settings.hooks).sort()).toEqual(['PermissionRequest', 'Stop', 'UserPromptSubmit']);
    const command = settings.hooks.Stop?.[0]?.hooks[0]?.command ?? '';
    const mark = log.mark('w-1');
    for (const payload of [
      { hook_event_name: 'UserPromptSubmit', prompt: "it's $HOME" },
      { hook_event_name: 'Stop', last_assistant_message: 'done', session_id: 's-1' },
    ]) {
      expect(spawnSync('sh', ['-c', command], { input: JSON.stringify(payload) }).status).toBe(0);
    }
    expect(log.since('w-1', mark)).toEqual([
      { hook_event_name: 'UserPromptSubmit', prompt: "it's $HOME" },
      { hook_event_name: 'Stop', last_assistant_message: 'done', session_id: 's-1' },
    ]);
    expect(log.since('w-1', log.mark('w-1'))).toEqual([]);
  });

  it('gives codex a notify program that appends its last argument, read back as Stop', () => {
    const log = new HookLog(dir);
    const [flag, value] = log.codexNotifyArgs('w-2');
    expect(flag).toBe('-c');
    const program = JSON.parse((value ?? '').replace(/^notify=/, '')) as string[];
    const payload = {
      type: 'agent-turn-complete',
      'thread-id': 't-9',
      'input-messages': ['fix it'],
      'last-assistant-message': 'fixed',
    };
    const [file, ...args] = program;
    expect(spawnSync(file ?? '', [...args, JSON.stringify(payload)]).status).toBe(0);
    expect(log.since('w-2', 0)).toEqual([
      { hook_event_name: 'Stop', session_id: 't-9', last_assistant_message: 'fixed' },
    ]);
  });

  it("drops codex's hidden title-generation turn", () => {
    expect(
      normalize({
        type: 'agent-turn-complete',
        'thread-id': 'other',
        'input-messages': ['Generate a concise, single-line task title for …'],
      }),
    ).toBeNull();
  });

  it('skips a line still being written', () => {
    const log = new HookLog(dir);
    const command = `{ cat; echo; } >> '${join(dir, 'w-3.jsonl')}'`;
    spawnSync('sh', ['-c', command], { input: '{"hook_event_name":"Stop"' });
    expect(log.since('w-3', 0)).toEqual([]);
  });
});
