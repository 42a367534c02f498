// Codex CLI 0.169.0 (../shared/AGENTS.md §3, verified here). Without a login and a network,
// `codex exec` never exits, so the auth check before each task is what makes it fail fast.
import type { AgentProfile } from './profile.js';

export const codex: AgentProfile = {
  type: 'codex',
  displayName: 'Codex',
  binary: 'codex',
  versionArgs: ['--version'],
  verifiedVersions: { min: '0.169.0', max: '0.169.0' },
  // Refuses only what would certainly fail: no login *and* the built-in provider (which, without a
  // login and a network, never ends). A custom provider in config.toml (`model_provider`, with its
  // own `env_key`) runs without `codex login`, and fails fast on its own when its key is missing.
  authCheck:
    'codex login status || grep -Eqs \'^[[:space:]]*model_provider[[:space:]]*=\' "${CODEX_HOME:-$HOME/.codex}/config.toml"',
  authHint:
    'codex is not logged in: run `codex login` (or `printenv OPENAI_API_KEY | codex login --with-api-key`)',
  installHint: 'install it with npm install -g @openai/codex',
  oneShot: {
    argv: ['codex', 'exec', '--json', '--skip-git-repo-check', '{prompt}'],
    resumeArgv: ['codex', 'exec', 'resume', '{sessionId}', '--json', '--skip-git-repo-check', '{prompt}'],
    newSession: null,
    output: 'codex-jsonl',
  },
  // --no-daemon: otherwise the TUI leaves an app-server daemon behind that outlives its pane.
  interactive: {
    argv: ['codex', '--no-daemon'],
    resumeArgv: ['codex', '--no-daemon', 'resume', '{sessionId}'],
    submitDelayMs: 300,
    approveKeys: ['Enter'],
    denyKeys: ['Escape'],
    interruptKeys: ['Escape'],
    clearKeys: null,
    trustKeys: ['Enter'],
    trustPattern: 'Trust this folder\\?',
    hooks: 'codex-notify',
  },
  screens: {
    trust_prompt: ['Trust this folder\\?', 'Hooks need review'],
    auth_required: ['Sign in with ChatGPT', 'Paste or type your API key'],
    rate_limited: ["You've hit your usage limit", '(?:usage|rate) limit', 'try again (?:at|in) \\S+'],
    awaiting_approval: [
      'Would you like to run the following command\\?',
      'Press enter to confirm or esc to cancel',
    ],
    busy: ['Working \\(\\d+s • esc to interrupt\\)', 'esc to interrupt'],
    idle: ['^› ', '\\? for shortcuts'],
    crashed: ['Disconnected from this task', 'To continue this session, run: codex resume'],
    // A turn that failed: `■ Missing environment variable: `OPENAI_API_KEY`.` (0.171, captured in
    // test/fixtures/agents/codex/); an interrupt (Esc) prints `■ Conversation interrupted …`.
    error: ['^■ (?!Conversation interrupted)(.+)$'],
  },
  exitCodes: {},
  // Permission flags come from the role's rules (policy/agent-permissions.ts).
  roleArgs: {},
  // As a config override: `codex exec resume` takes `-c` where it takes no other option.
  modelArgs: ['-c', 'model="{model}"'],
  env: ['OPENAI_API_KEY', 'CODEX_HOME', 'CODEX_ACCESS_TOKEN'],
  fixedEnv: {},
};
