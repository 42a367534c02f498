// What tmuxorch knows about an agent CLI, as data: how to run one task headless, how to start its
// TUI, what its screens look like in each state, how to tell it is logged out, which environment
// it may receive. Users add or override profiles in config.json (validated in infrastructure).

// Screen states an interactive agent can be in, by what its pane shows.
export const SCREEN_STATES = [
  'idle',
  'busy',
  'awaiting_approval',
  'auth_required',
  'trust_prompt',
  'rate_limited',
  'crashed',
  // Not a state the screen is classified in: a line a TUI prints when a turn fails (the first
  // group of the pattern is the sentence reported), looked for only among what the screen
  // printed after the task was pasted.
  'error',
] as const;
export type ScreenState = (typeof SCREEN_STATES)[number];

// How a headless run reports its result on stdout.
export const OUTPUT_FORMATS = [
  'claude-json',
  'codex-jsonl',
  'gemini-json',
  'opencode-jsonl',
  'text',
] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface OneShotSpec {
  // argv of a first task; `{prompt}` and `{sessionId}` are replaced, an argument that is exactly
  // `{sessionArgs}` expands to `newSession` (a session id we chose) or nothing.
  readonly argv: readonly string[];
  // argv of a task that continues the worker's conversation (null: every task starts afresh).
  readonly resumeArgv: readonly string[] | null;
  // Arguments that start a conversation under an id tmuxorch chose (null: the CLI picks it and
  // tmuxorch reads it from the output).
  readonly newSession: readonly string[] | null;
  readonly output: OutputFormat;
}

// How an interactive CLI is told to run tmuxorch's hook (see InteractiveSpec.hooks).
export const HOOK_KINDS = [
  'claude-settings',
  'codex-notify',
  'gemini-system-settings',
  'opencode-plugin',
] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

// The CLI versions a profile was checked against (screens, flags, hooks), both ends included.
export interface VersionRange {
  readonly min: string;
  readonly max: string;
}

export interface InteractiveSpec {
  // argv of the TUI; `{sessionArgs}` expands to oneShot.newSession for a new conversation;
  // `resumeArgv` continues one (a revived worker).
  readonly argv: readonly string[];
  readonly resumeArgv: readonly string[] | null;
  // How long to wait between a paste and its Enter (some TUIs ignore an Enter right after text).
  readonly submitDelayMs: number;
  // tmux key names answering an approval question yes / no, and interrupting a turn.
  readonly approveKeys: readonly string[];
  readonly denyKeys: readonly string[];
  readonly interruptKeys: readonly string[];
  // Keys that empty a non-empty input box (after an unsubmitted task), null where none is known
  // to be safe (Ctrl-C at an empty prompt exits Codex and OpenCode).
  readonly clearKeys: readonly string[] | null;
  // Keys that accept the trust-this-folder question the pattern identifies; any other first-run
  // question (a bypass-permissions warning, a hooks review) is reported, never answered.
  readonly trustKeys: readonly string[] | null;
  readonly trustPattern: string | null;
  // Where the CLI takes hooks: 'claude-settings' = `--settings FILE` in Claude Code's hook format
  // (Stop, UserPromptSubmit, PermissionRequest); 'codex-notify' = `-c notify=[…]` (a program run
  // with the turn's JSON as its last argument); 'gemini-system-settings' = a settings file named
  // by GEMINI_CLI_SYSTEM_SETTINGS_PATH (AfterAgent, BeforeAgent, Notification; gemini reads it
  // only when root owns it and every directory above it); 'opencode-plugin' = a plugin module
  // named in OPENCODE_CONFIG_CONTENT (session.idle, permission.asked); null = the screen alone.
  readonly hooks: HookKind | null;
  // Variables the TUI's pane must not have; `NAME*` is every variable starting with NAME. Gemini's
  // ink refuses to draw (it waits, blank, for input it never shows) when it thinks it runs in CI:
  // CI, CONTINUOUS_INTEGRATION or any CI_* variable, which a daemon started from a CI job has.
  readonly unsetEnv?: readonly string[] | undefined;
}

export interface AgentProfile {
  readonly type: string;
  readonly displayName: string;
  // The program; null for a plain shell worker.
  readonly binary: string | null;
  readonly versionArgs: readonly string[];
  // The versions this profile was verified with; doctor reports a CLI outside them (null: none).
  readonly verifiedVersions?: VersionRange | null;
  // A shell condition that succeeds when the CLI can authenticate (null: nothing to check).
  readonly authCheck: string | null;
  // One sentence naming the fix when it cannot.
  readonly authHint: string;
  readonly installHint: string;
  readonly oneShot: OneShotSpec | null;
  // argv of the TUI; `{sessionArgs}` as in oneShot; `resumeArgv` continues a conversation.
  // The TUI (interactive mode), or null when tmuxorch cannot drive it.
  readonly interactive: InteractiveSpec | null;
  // Regex sources per screen state, tried on the visible screen in SCREEN_STATES order of priority
  // (see screen-classifier.ts). Case-sensitive, multiline.
  readonly screens: Partial<Readonly<Record<ScreenState, readonly string[]>>>;
  // Exit codes with a meaning beyond failure.
  readonly exitCodes: Readonly<Record<number, 'auth_required' | 'trust_prompt'>>;
  // Extra arguments per role name, on top of the permission flags the role's rules become
  // (policy/agent-permissions.ts); config.json may add some.
  readonly roleArgs: Readonly<Record<string, readonly string[]>>;
  // Arguments that choose the model, `{model}` replaced (a worker's or a workflow role's `model`);
  // absent: the CLI takes no model from tmuxorch.
  readonly modelArgs?: readonly string[] | undefined;
  // Environment variables the worker may receive from the controller's environment (keys,
  // endpoints); nothing else is passed on, and their values are redacted from every log.
  readonly env: readonly string[];
  // Fixed environment for the agent (e.g. no auto-updater inside a worker).
  readonly fixedEnv: Readonly<Record<string, string>>;
}

// Exit status the one-shot wrapper uses when the auth check fails before the agent runs.
export const AUTH_CHECK_EXIT = 86;
