// What a tool call asks of the rules, for the tool names of each CLI with a hook: Claude Code's
// (and the sim's), gemini's, and opencode's (lower-case names, `filePath`).
import { describe, expect, it } from 'vitest';
import { HARMLESS_TOOLS, toolRequests } from '../../src/domain/policy/tool-request.js';

describe('toolRequests', () => {
  it.each([
    ['Bash', { command: 'make' }, [{ action: 'bash', command: 'make' }]],
    ['run_shell_command', { command: 'make' }, [{ action: 'bash', command: 'make' }]],
    ['bash', { command: 'make' }, [{ action: 'bash', command: 'make' }]],
    ['Write', { file_path: 'a.ts' }, [{ action: 'edit', path: 'a.ts' }]],
    ['write_file', { file_path: 'a.ts' }, [{ action: 'edit', path: 'a.ts' }]],
    ['edit', { filePath: '/p/a.ts', oldString: 'x', newString: 'y' }, [{ action: 'edit', path: '/p/a.ts' }]],
    ['write', { filePath: '/p/b.ts', content: 'x' }, [{ action: 'edit', path: '/p/b.ts' }]],
    ['patch', {}, [{ action: 'edit', path: '.' }]],
    ['read', { filePath: '/p/.env' }, [{ action: 'read', path: '/p/.env' }]],
    ['list', { path: '/p' }, [{ action: 'read', path: '/p' }]],
    ['webfetch', { url: 'https://example.com/x' }, [{ action: 'net', target: 'example.com' }]],
    ['task', { prompt: 'x' }, []],
  ] as const)('%s', (tool, input, expected) => {
    expect(toolRequests(tool, input)).toEqual(expected);
  });

  it("knows opencode's to-do tools as harmless", () => {
    expect(HARMLESS_TOOLS.has('todowrite')).toBe(true);
    expect(HARMLESS_TOOLS.has('todoread')).toBe(true);
  });
});
