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
export function geminiSettingsText(
  base: string | null,
  command: string,
  // The worker's role checks each tool call first (BeforeTool runs `tmuxorch policy check`);
  // `events: false` leaves out the turn events (a one-shot run needs only the check).
  policy: { readonly command: string; readonly events: boolean } | null = null,
): string {
  let settings: Json = {};
  try {
    const parsed: unknown = base === null ? {} : JSON.parse(base);
    if (isObject(parsed)) settings = parsed;
  } catch {
    // not JSON (gemini would not read it either)
  }
  const hooks: Json = isObject(settings.hooks) ? { ...settings.hooks } : {};
  for (const event of policy?.events === false ? [] : GEMINI_EVENTS) {
    const existing = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : [];
    hooks[event] = [...existing, { hooks: [{ type: 'command', command }] }];
  }
  if (policy) {
    const existing = Array.isArray(hooks.BeforeTool) ? (hooks.BeforeTool as unknown[]) : [];
    // Gemini's hook timeout is in milliseconds: a day, for a person's answer to an ask.
    hooks.BeforeTool = [
      ...existing,
      { matcher: '.*', hooks: [{ type: 'command', command: policy.command, timeout: 86_400_000 }] },
    ];
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
