// What tmuxorch hands gemini and opencode so that each turn's events reach the worker's hook log
// (../shared/AGENTS.md §4.5, §5.4; both verified with the real CLIs): a gemini settings file with
// `hooks` (read through GEMINI_CLI_SYSTEM_SETTINGS_PATH, so the user's own settings stay as they
// are), and an opencode plugin module (named in OPENCODE_CONFIG_CONTENT). Each writes one JSON
// line per event; the hook log maps gemini's event names to Claude's (see hook-log.ts), the plugin
// writes them already in that shape (Stop carries the turn's answer and the session id).

// Gemini's events that tmuxorch listens to.
const GEMINI_EVENTS = ['BeforeAgent', 'AfterAgent', 'Notification'] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The system settings gemini should read: the machine's own (`base`, null when there is none or it
// is not a JSON object), with our command appended to each event's hooks.
export function geminiSettingsText(base: string | null, command: string): string {
  let settings: Json = {};
  try {
    const parsed: unknown = base === null ? {} : JSON.parse(base);
    if (isObject(parsed)) settings = parsed;
  } catch {
    // not JSON (gemini would not read it either)
  }
  const hooks: Json = isObject(settings.hooks) ? { ...settings.hooks } : {};
  for (const event of GEMINI_EVENTS) {
    const existing = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : [];
    hooks[event] = [...existing, { hooks: [{ type: 'command', command }] }];
  }
  return `${JSON.stringify({ ...settings, hooks }, null, 2)}\n`;
}

// OPENCODE_CONFIG_CONTENT with our plugin added to the user's (null: theirs is not a JSON object,
// so it is left alone and the screen tells instead).
export function opencodeConfigContent(base: string | undefined, pluginUrl: string): string | null {
  let config: Json = {};
  if (base !== undefined && base.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(base);
      if (!isObject(parsed)) return null;
      config = parsed;
    } catch {
      return null;
    }
  }
  const plugins = Array.isArray(config.plugin) ? (config.plugin as unknown[]) : [];
  return JSON.stringify({ ...config, plugin: [...plugins, pluginUrl] });
}

// The plugin module: it runs inside opencode and appends to `logFile`. A turn's answer is the text
// of the last assistant message of the session before `session.idle`; sub-agent sessions (those
// with a parent) are not the worker's conversation and are skipped.
export function opencodePluginSource(logFile: string): string {
  return `// Written by tmuxorch for one worker: opencode's events, as hook lines for tmuxorch.
import { appendFileSync } from 'node:fs';
const LOG = ${JSON.stringify(logFile)};
const write = (line) => {
  try { appendFileSync(LOG, JSON.stringify(line) + '\\n'); } catch {}
};
export const TmuxorchHooks = async () => {
  const children = new Set();
  const roles = new Map();
  const prompts = new Set();
  const answers = new Map();
  return {
    event: async ({ event }) => {
      const p = event.properties ?? {};
      if (event.type === 'session.created' && p.info?.parentID) children.add(p.info.id);
      if (event.type === 'message.updated' && p.info?.id) {
        roles.set(p.info.id, p.info.role);
        if (p.info.role === 'user' && !children.has(p.info.sessionID) && !prompts.has(p.info.id)) {
          prompts.add(p.info.id);
          write({ hook_event_name: 'UserPromptSubmit', session_id: p.info.sessionID });
        }
      }
      if (event.type === 'message.part.updated' && p.part?.type === 'text') {
        const part = p.part;
        if (roles.get(part.messageID) !== 'assistant') return;
        let answer = answers.get(part.sessionID);
        if (!answer || answer.messageID !== part.messageID) {
          answer = { messageID: part.messageID, parts: new Map() };
          answers.set(part.sessionID, answer);
        }
        answer.parts.set(part.id, part.text ?? '');
      }
      if (event.type === 'permission.asked' && !children.has(p.sessionID)) {
        write({ hook_event_name: 'PermissionRequest', session_id: p.sessionID, tool_name: p.permission });
      }
      if (event.type === 'session.idle' && p.sessionID && !children.has(p.sessionID)) {
        const answer = answers.get(p.sessionID);
        answers.delete(p.sessionID);
        write({
          hook_event_name: 'Stop',
          session_id: p.sessionID,
          last_assistant_message: answer ? [...answer.parts.values()].join('') : null,
        });
      }
    },
  };
};
`;
}
