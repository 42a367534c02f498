// OpenCode 1.18.33 (../shared/AGENTS.md §5, verified here). No login needed (free default model).
import type { AgentProfile } from './profile.js';

export const opencode: AgentProfile = {
  type: 'opencode',
  displayName: 'OpenCode',
  binary: 'opencode',
  versionArgs: ['--version'],
  verifiedVersions: { min: '1.18.33', max: '1.18.33' },
  authCheck: null,
  authHint: 'opencode has no provider it can reach: run `opencode` and /connect, or configure a provider',
  installHint: 'install it with npm install -g opencode-ai',
  oneShot: {
    argv: ['opencode', 'run', '--format', 'json', '{prompt}'],
    resumeArgv: ['opencode', 'run', '--format', 'json', '--session', '{sessionId}', '{prompt}'],
    newSession: null,
    output: 'opencode-jsonl',
  },
  interactive: {
    argv: ['opencode'],
    resumeArgv: ['opencode', '-s', '{sessionId}'],
    submitDelayMs: 200,
    approveKeys: ['Enter'],
    denyKeys: ['Escape'],
    interruptKeys: ['Escape', 'Escape'],
    clearKeys: null,
    trustKeys: null,
    trustPattern: null,
    hooks: 'opencode-plugin',
  },
  screens: {
    auth_required: ['invalid x-api-key'],
    rate_limited: ['rate limit', 'usage limit'],
    awaiting_approval: ['△ Permission required', 'Allow once'],
    busy: ['esc interrupt', '\\[retrying attempt #\\d+\\]'],
    idle: ['Ask anything…', 'ctrl\\+p commands'],
    crashed: ['Continue\\s+opencode -s ses_'],
  },
  exitCodes: {},
  // Permissions come from the role's rules (policy/agent-permissions.ts); `--auto` would cancel them.
  roleArgs: {},
  modelArgs: ['--model', '{model}'],
  env: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'OPENCODE_CONFIG', 'OPENCODE_CONFIG_CONTENT'],
  fixedEnv: {},
};
