// The screen classifier against real captures (`capture-pane -p -J`, 160×50) of each agent CLI in
// test/fixtures/screens/<type>/ (their meaning: ../shared/AGENTS.md §2.2, §3.3, §4.3, §5.3; the sim's
// were captured from dist/bin/tmuxorch-sim.js). Every fixture must have an expected state here, so a
// new capture cannot slip in untested.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScreenState } from '../../src/domain/agents/profile.js';
import { BUILTIN_PROFILES } from '../../src/domain/agents/registry.js';
import { classifyScreen, SCREEN_TAIL_LINES, screenTail } from '../../src/domain/agents/screen-classifier.js';
import { claude } from '../../src/domain/agents/claude.js';
import { shell } from '../../src/domain/agents/shell.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/screens');

// <profile type> → <fixture file> → the state the screen shows.
const EXPECTED: Readonly<Record<string, Readonly<Record<string, ScreenState>>>> = {
  claude: {
    'api_key_prompt.txt': 'auth_required',
    'auth_required_after_task.txt': 'auth_required',
    'awaiting_approval.txt': 'awaiting_approval',
    'busy.txt': 'busy',
    'bypass_permissions_warning.txt': 'trust_prompt',
    'done.txt': 'idle',
    'done_after_tool.txt': 'idle',
    'exited_after_double_ctrl_c.txt': 'crashed',
    'first_run_no_network_exit.txt': 'crashed',
    'idle.txt': 'idle',
    'idle_bypass_permissions.txt': 'idle',
    'idle_not_logged_in.txt': 'auth_required',
    'interrupted_prompt_restored.txt': 'idle',
    'invalid_api_key.txt': 'auth_required',
    'login_method_picker.txt': 'auth_required',
    'pasted_not_submitted.txt': 'idle',
    'skip_permissions_refused_as_root.txt': 'crashed',
    'trust_prompt.txt': 'trust_prompt',
  },
  codex: {
    'api_key_entry.txt': 'auth_required',
    'awaiting_approval.txt': 'awaiting_approval',
    'awaiting_approval_with_running_line.txt': 'awaiting_approval',
    'busy.txt': 'busy',
    'done.txt': 'idle',
    'done_after_tool.txt': 'idle',
    'exited_after_ctrl_c.txt': 'crashed',
    'first_run_sign_in.txt': 'auth_required',
    'hooks_need_review.txt': 'trust_prompt',
    'idle.txt': 'idle',
    'interrupted.txt': 'idle',
    'pasted_not_submitted.txt': 'idle',
    'trust_prompt.txt': 'trust_prompt',
  },
  gemini: {
    'api_error_401.txt': 'auth_required',
    'auth_method_picker.txt': 'auth_required',
    'awaiting_approval.txt': 'awaiting_approval',
    'busy.txt': 'busy',
    'done.txt': 'idle',
    'done_after_tool.txt': 'idle',
    'exited_after_double_ctrl_c.txt': 'crashed',
    'idle.txt': 'idle',
    'interrupted.txt': 'idle',
    'paste_then_immediate_enter_not_submitted.txt': 'idle',
    'pasted_not_submitted.txt': 'idle',
    'trust_prompt.txt': 'trust_prompt',
  },
  opencode: {
    'awaiting_approval.txt': 'awaiting_approval',
    'busy.txt': 'busy',
    'busy_retrying_no_network.txt': 'busy',
    'done.txt': 'idle',
    'done_after_tool.txt': 'idle',
    'error_no_network.txt': 'idle',
    'exited_after_ctrl_c.txt': 'crashed',
    'idle.txt': 'idle',
    'idle_first_run.txt': 'idle',
    'interrupted.txt': 'idle',
    'pasted_not_submitted.txt': 'idle',
  },
  sim: {
    'auth_required_after_task.txt': 'auth_required',
    'awaiting_approval.txt': 'awaiting_approval',
    'busy.txt': 'busy',
    'done.txt': 'idle',
    'exited_after_double_ctrl_c.txt': 'crashed',
    'idle.txt': 'idle',
    'idle_not_logged_in.txt': 'auth_required',
    'pasted_not_submitted.txt': 'idle',
    'rate_limited.txt': 'rate_limited',
    'trust_prompt.txt': 'trust_prompt',
  },
};

function profileOf(type: string) {
  const profile = BUILTIN_PROFILES.find((p) => p.type === type);
  if (!profile) throw new Error(`no built-in profile "${type}"`);
  return profile;
}

function fixture(type: string, file: string): string {
  return readFileSync(resolve(FIXTURES, type, file), 'utf8');
}

const CASES = Object.entries(EXPECTED).flatMap(([type, files]) =>
  Object.entries(files).map(([file, state]) => ({ type, file, state })),
);

describe('classifyScreen on captured screens', () => {
  it('has an expected state for every fixture, and a fixture for every expectation', () => {
    const onDisk = Object.fromEntries(
      readdirSync(FIXTURES, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((dir) => [dir.name, readdirSync(resolve(FIXTURES, dir.name)).sort()]),
    );
    const listed = Object.fromEntries(
      Object.entries(EXPECTED).map(([type, files]) => [type, Object.keys(files).sort()]),
    );
    expect(onDisk).toEqual(listed);
  });

  it('knows each fixture folder as a built-in profile', () => {
    for (const type of Object.keys(EXPECTED)) expect(profileOf(type).type).toBe(type);
  });

  it.each(CASES)('$type/$file → $state', ({ type, file, state }) => {
    expect(classifyScreen(profileOf(type), fixture(type, file))).toBe(state);
  });
});

describe('screenTail', () => {
  it('keeps the last 16 non-blank lines, right-trimmed', () => {
    expect(SCREEN_TAIL_LINES).toBe(16);
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}   `);
    const screen = lines.join('\n\n  \n') + '\n\n\n';
    expect(screenTail(screen).split('\n')).toEqual(Array.from({ length: 16 }, (_, i) => `line ${i + 14}`));
    expect(screenTail('a\n\n   \nb  \n', 1)).toBe('b');
    expect(screenTail('\n \n\t\n')).toBe('');
  });

  it('ignores a question that has scrolled far above the idle prompt box', () => {
    // Claude's approval dialog (its transcript part, below the welcome banner), answered; the
    // transcript went on; the idle prompt box (rule, `❯ `, rule, footer) is back at the bottom.
    const below = (text: string, marker: string) => {
      const lines = text.split('\n');
      return lines.slice(lines.findIndex((line) => line.startsWith(marker))).join('\n');
    };
    const dialog = below(fixture('claude', 'awaiting_approval.txt'), '❯ Please USE_TOOL now');
    const idleBox = below(fixture('claude', 'idle.txt'), '────');
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `● step ${i} done`);
    const screen = (n: number) => [dialog, ...filler(n), idleBox].join('\n');
    const nonBlank = (text: string) => text.split('\n').filter((line) => line.trim() !== '');
    const afterQuestion =
      nonBlank(dialog).length - 1 - nonBlank(dialog).findIndex((l) => /Do you want to proceed\?/.test(l));
    const fits = SCREEN_TAIL_LINES - 1 - afterQuestion - nonBlank(idleBox).length;
    expect(fits).toBeGreaterThanOrEqual(0);

    // The question is the topmost line of the tail: it still counts.
    expect(screenTail(screen(fits))).toMatch(/^ Do you want to proceed\?/);
    expect(classifyScreen(claude, screen(fits))).toBe('awaiting_approval');
    // One line more and it has left the tail: the idle box decides.
    expect(screenTail(screen(fits + 1))).not.toContain('Do you want to proceed?');
    expect(classifyScreen(claude, screen(fits + 1))).toBe('idle');
    expect(classifyScreen(claude, screen(40))).toBe('idle');
  });
});

describe('screens no profile knows', () => {
  const blank = ['', '\n\n\n', '   \n\t\n  '];
  const foreign = ['$ ', 'user@host:~/proj$ ls\nREADME.md  src\nuser@host:~/proj$ ', 'bash-5.2# '];

  it.each(BUILTIN_PROFILES.map((p) => ({ type: p.type, profile: p })))(
    '$type: a blank screen and a shell prompt are unknown',
    ({ profile }) => {
      for (const screen of [...blank, ...foreign]) expect(classifyScreen(profile, screen)).toBe('unknown');
    },
  );

  it('the shell profile has no screen patterns, so every screen is unknown', () => {
    expect(shell.screens).toEqual({});
    for (const [type, files] of Object.entries(EXPECTED)) {
      for (const file of Object.keys(files))
        expect(classifyScreen(shell, fixture(type, file))).toBe('unknown');
    }
  });
});
