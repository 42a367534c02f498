// What a TUI printed since the paste, read off its screen: the error sentences a turn failed with
// (codex's `■ …`), counted against the screen before so an earlier turn's error left in the
// transcript is not taken for a new one; and the last lines a TUI printed before it exited.
// Screens are real captures (test/fixtures/agents/README.md).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deniedReason, requestedTool } from '../../src/domain/agents/agent-verdict.js';
import { claude } from '../../src/domain/agents/claude.js';
import { codex } from '../../src/domain/agents/codex.js';
import { gemini } from '../../src/domain/agents/gemini.js';
import { lastPrintedLines, newErrorLines, stateLine } from '../../src/domain/agents/screen-classifier.js';
import { readyMarker } from '../../src/domain/marker.js';

const fixture = (path: string): string =>
  readFileSync(resolve(import.meta.dirname, '../fixtures', path), 'utf8');

const FAILED = fixture('agents/codex/turn_failed_missing_key.txt');
const SENTENCE = 'Missing environment variable: `OPENAI_API_KEY`.';

describe('newErrorLines', () => {
  it("finds codex's error line printed after the paste, as its own sentence", () => {
    const before = FAILED.split('\n')
      .filter((line) => !line.startsWith('■') && !line.startsWith('› hello'))
      .join('\n');
    expect(newErrorLines(codex, before, FAILED)).toEqual([SENTENCE]);
  });

  it('an error already on screen before the paste is not new; a second one is', () => {
    expect(newErrorLines(codex, FAILED, FAILED)).toEqual([]);
    const again = `${FAILED}\n› hello again\n■ ${SENTENCE}\n`;
    expect(newErrorLines(codex, FAILED, again)).toEqual([SENTENCE]);
  });

  it('an interrupt (Esc) is no error; a profile without error patterns finds none', () => {
    const interrupted = fixture('screens/codex/interrupted.txt');
    expect(newErrorLines(codex, '', interrupted)).toEqual([]);
    expect(newErrorLines(claude, '', FAILED)).toEqual([]);
  });
});

describe('lastPrintedLines', () => {
  // claude's TUI with a fresh HOME, typed with the exit probe after it (tui-process.ts).
  const EXITED = fixture('agents/claude/tui_exited_fresh_home.txt');
  const probe = /'-(t\w+)---'$/m.exec(EXITED)?.[1] ?? '';

  it('keeps the last lines between the typed command line and the probe it printed on exit', () => {
    expect(probe).not.toBe('');
    const marker = readyMarker(probe);
    const lines = lastPrintedLines(
      EXITED,
      (l) => l.includes(probe) && l !== marker,
      (l) => l === marker,
    );
    expect(lines).toEqual([
      'Unable to connect to Anthropic services',
      'Failed to connect to api.anthropic.com: ENOTFOUND',
      'Please check your internet connection and network settings.',
      'Note: Claude Code might not be available in your country. Check supported countries at https://anthropic.com/supported-countries',
    ]);
  });

  it('without the start line on screen, the last lines before the end', () => {
    expect(
      lastPrintedLines(
        'a\nb\n\nc\nEND\n$ ',
        () => false,
        (l) => l === 'END',
        2,
      ),
    ).toEqual(['b', 'c']);
  });
});

describe('denied approvals', () => {
  it('name the tool as Claude Code shows it, from its PermissionRequest payload', () => {
    const event = {
      hook_event_name: 'PermissionRequest',
      tool_name: 'Bash',
      tool_input: { command: 'touch made-by-tool.txt', description: 'Create a marker file' },
    };
    expect(requestedTool(event)).toBe('Bash(touch made-by-tool.txt)');
    expect(requestedTool({ tool_name: 'Write', tool_input: { file_path: '/p/a.txt' } })).toBe(
      'Write(/p/a.txt)',
    );
    expect(requestedTool({ tool_name: 'WebSearch' })).toBe('WebSearch');
    expect(requestedTool({})).toBeNull();
  });

  it('say "denied", the tool when known, and what the agent said', () => {
    expect(deniedReason('Bash(ls)', null)).toBe('denied: Bash(ls)');
    expect(deniedReason(null, null)).toBe('denied');
    expect(deniedReason(null, 'not approved: deploy?\nmore')).toBe('denied (not approved: deploy?)');
  });
});

describe('stateLine', () => {
  it("gives the CLI's own words for an auth screen, out of the box it is drawn in", () => {
    expect(stateLine(gemini, 'auth_required', fixture('screens/gemini/api_error_401.txt'))).toBe(
      '✕ [API Error: {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}]',
    );
    expect(stateLine(gemini, 'auth_required', fixture('screens/gemini/auth_method_picker.txt'))).toBe(
      'How would you like to authenticate for this project?',
    );
    expect(stateLine(gemini, 'auth_required', fixture('screens/gemini/idle.txt'))).toBeNull();
  });
});
