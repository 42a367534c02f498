// An agent's tool call (a PreToolUse hook's payload) as the policy requests it makes: a shell
// command, an edit or a read of a path, the network. Tool names are Claude Code's (the sim uses
// the same ones), gemini's and opencode's (lower-case, `filePath`); a tool of no kind here (a todo
// list, a subagent) asks for nothing.
import type { PolicyRequest } from './decide.js';

type Input = Readonly<Record<string, unknown>>;

function text(input: Input, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = input[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

function hostOf(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

// Tools that touch nothing a rule covers (a to-do list, a background command's output): allowed.
// Any other tool this mapping does not know (an MCP server's, a subagent) is left to the CLI's
// own permission rules: an explicit allow from the hook would switch them off.
export const HARMLESS_TOOLS: ReadonlySet<string> = new Set([
  'TodoWrite',
  'TodoRead',
  'BashOutput',
  'KillShell',
  'KillBash',
  'ExitPlanMode',
  'update_topic',
  'write_todos',
  'todowrite',
  'todoread',
]);

export function toolRequests(tool: string, input: Input): PolicyRequest[] {
  switch (tool) {
    case 'Bash':
    case 'bash':
    case 'run_shell_command': {
      const command = text(input, 'command');
      return command === null ? [] : [{ action: 'bash', command }];
    }
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit':
    case 'write_file':
    case 'replace':
    case 'edit':
    case 'write':
    case 'patch':
    case 'multiedit': {
      const path = text(input, 'file_path', 'filePath', 'notebook_path', 'absolute_path', 'path');
      // An edit that names no file cannot be checked: it is asked about as an edit of `.`.
      return [{ action: 'edit', path: path ?? '.' }];
    }
    case 'Read':
    case 'Grep':
    case 'Glob':
    case 'LS':
    case 'read_file':
    case 'read_many_files':
    case 'glob':
    case 'search_file_content':
    case 'grep_search':
    case 'list_directory':
    case 'read':
    case 'grep':
    case 'list': {
      const path = text(input, 'file_path', 'filePath', 'path', 'absolute_path', 'dir_path');
      return [{ action: 'read', path: path ?? '.' }];
    }
    case 'WebFetch':
    case 'WebSearch':
    case 'web_fetch':
    case 'webfetch':
    case 'google_web_search':
      return [{ action: 'net', target: hostOf(text(input, 'url')) }];
    default:
      return [];
  }
}
