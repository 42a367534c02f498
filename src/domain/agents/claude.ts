// Claude Code 2.1.197 (../shared/AGENTS.md §2, verified here).
import type { AgentProfile } from './profile.js';

export const claude: AgentProfile = {
  type: 'claude',
  displayName: 'Claude Code',
  binary: 'claude',
  versionArgs: ['--version'],
  verifiedVersions: { min: '2.1.197', max: '2.1.197' },
  // An API key or token in the environment counts; else `claude auth status` (0.2 s, no network).
  authCheck:
    'test -n "${ANTHROPIC_API_KEY:-}${ANTHROPIC_AUTH_TOKEN:-}${CLAUDE_CODE_OAUTH_TOKEN:-}" || claude auth status',
  authHint:
    'claude is not logged in: run `claude` once and /login (or answer Yes when it asks to use ANTHROPIC_API_KEY), or set ANTHROPIC_API_KEY',
  installHint: 'install it with npm install -g @anthropic-ai/claude-code',
  oneShot: {
    argv: ['claude', '-p', '{prompt}', '--output-format', 'json', '{sessionArgs}'],
    resumeArgv: ['claude', '-p', '{prompt}', '--output-format', 'json', '--resume', '{sessionId}'],
    newSession: ['--session-id', '{sessionId}'],
    output: 'claude-json',
  },
  interactive: {
    argv: ['claude', '{sessionArgs}'],
    resumeArgv: ['claude', '--resume', '{sessionId}'],
    submitDelayMs: 200,
    approveKeys: ['Enter'],
    denyKeys: ['Escape'],
    interruptKeys: ['Escape'],
    clearKeys: ['C-c'],
    trustKeys: ['Enter'],
    trustPattern: 'Is this a project you created or one you trust\\?',
    hooks: 'claude-settings',
  },
  screens: {
    trust_prompt: [
      'Is this a project you created or one you trust\\?',
      'WARNING: Claude Code running in Bypass Permissions mode',
    ],
    auth_required: [
      'Not logged in · (?:Please run|Run) /login',
      'Invalid API key',
      'Select login method:',
      // Its default answer is No, and the refusal is saved: a person must answer it once.
      'Do you want to use this API key\\?',
    ],
    rate_limited: [
      '(?:usage|rate) limit (?:reached|exceeded)',
      'limit will reset at',
      'resets? (?:at|in) \\S+',
    ],
    awaiting_approval: ['Do you want to proceed\\?', 'Do you want to make this edit'],
    busy: ['esc to interrupt'],
    idle: ['^❯ ', '\\? for shortcuts', 'bypass permissions on', 'ctrl\\+g to edit'],
    crashed: [
      '^claude --resume [0-9a-f-]{36}',
      'Unable to connect to Anthropic services',
      'cannot be used with root/sudo privileges',
    ],
  },
  exitCodes: {},
  // Permission flags come from the role's rules (policy/agent-permissions.ts).
  roleArgs: {},
  modelArgs: ['--model', '{model}'],
  env: [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_MODEL',
    'CLAUDE_CODE_OAUTH_TOKEN',
    'CLAUDE_CONFIG_DIR',
    'CLAUDE_CODE_MAX_RETRIES',
    'IS_SANDBOX',
  ],
  fixedEnv: { DISABLE_AUTOUPDATER: '1' },
};
