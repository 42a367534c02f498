// Gemini CLI 0.61.0 (../shared/AGENTS.md §4, verified here). It fails fast on its own without
// auth (exit 41); `--skip-trust` because the user chose the project when adding the worker.
import type { AgentProfile } from './profile.js';

export const gemini: AgentProfile = {
  type: 'gemini',
  displayName: 'Gemini CLI',
  binary: 'gemini',
  versionArgs: ['--version'],
  verifiedVersions: { min: '0.61.0', max: '0.61.0' },
  authCheck: null,
  authHint: 'gemini is not logged in: set GEMINI_API_KEY, or run `gemini` once and choose a sign-in method',
  installHint: 'install it with npm install -g @google/gemini-cli',
  oneShot: {
    argv: ['gemini', '-p', '{prompt}', '-o', 'json', '--skip-trust', '{sessionArgs}'],
    resumeArgv: ['gemini', '-p', '{prompt}', '-o', 'json', '--skip-trust', '--resume', '{sessionId}'],
    newSession: ['--session-id', '{sessionId}'],
    output: 'gemini-json',
  },
  interactive: {
    argv: ['gemini', '{sessionArgs}'],
    resumeArgv: ['gemini', '--resume', '{sessionId}'],
    submitDelayMs: 200,
    approveKeys: ['Enter'],
    denyKeys: ['Escape'],
    interruptKeys: ['Escape'],
    clearKeys: ['C-c'],
    trustKeys: ['Enter'],
    trustPattern: 'Do you trust the files in this folder\\?',
    hooks: 'gemini-system-settings',
    // ../.agent-clis gemini docs/resources/troubleshooting.md: the `is-in-ci` check.
    unsetEnv: ['CI', 'CONTINUOUS_INTEGRATION', 'CI_*'],
  },
  screens: {
    trust_prompt: ['Do you trust the files in this folder\\?'],
    auth_required: [
      'How would you like to authenticate',
      'Please set an Auth method',
      'API Error: .*authentication_error',
    ],
    rate_limited: ['[Qq]uota exceeded', 'rate limit', 'RESOURCE_EXHAUSTED'],
    awaiting_approval: ['Allow execution of \\[', 'Allow once'],
    busy: ['esc to cancel, \\d+s\\)'],
    idle: ['Type your message or @path/to/file', '^ workspace \\(/directory\\)'],
    crashed: ['To resume this session: gemini --resume'],
  },
  // 145 = HTTP 401 truncated to 8 bits (a key the API refuses), verified with 0.61.
  exitCodes: { 41: 'auth_required', 55: 'trust_prompt', 145: 'auth_required' },
  // Permission flags come from the role's rules (policy/agent-permissions.ts).
  roleArgs: {},
  modelArgs: ['--model', '{model}'],
  env: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GEMINI_BASE_URL', 'GOOGLE_CLOUD_PROJECT', 'GEMINI_MODEL'],
  fixedEnv: {},
};
