// tmuxorch-sim, the bundled agent (src/sim): deterministic, no network, no keys.
import type { AgentProfile } from './profile.js';

export const sim: AgentProfile = {
  type: 'sim',
  displayName: 'sim agent',
  binary: 'tmuxorch-sim',
  versionArgs: ['--version'],
  authCheck: 'tmuxorch-sim auth status',
  authHint: 'tmuxorch-sim is not logged in: unset TMUXORCH_SIM_LOGGED_OUT',
  installHint: 'it ships with tmuxorch: run npm run build',
  oneShot: {
    argv: ['tmuxorch-sim', '-p', '{prompt}', '--output-format', 'json', '{sessionArgs}'],
    resumeArgv: ['tmuxorch-sim', '-p', '{prompt}', '--output-format', 'json', '--resume', '{sessionId}'],
    newSession: ['--session-id', '{sessionId}'],
    output: 'claude-json',
  },
  interactive: {
    argv: ['tmuxorch-sim', '{sessionArgs}'],
    resumeArgv: ['tmuxorch-sim', '--resume', '{sessionId}'],
    submitDelayMs: 100,
    approveKeys: ['Enter'],
    denyKeys: ['Escape'],
    interruptKeys: ['Escape'],
    clearKeys: ['C-u'],
    trustKeys: ['Enter'],
    trustPattern: 'Do you trust the files in this folder\\?',
    hooks: 'claude-settings',
  },
  screens: {
    trust_prompt: ['Do you trust the files in this folder\\?'],
    auth_required: ['Not logged in · Run /login'],
    rate_limited: ['^⚠ usage limit reached · resets at (\\S+)'],
    awaiting_approval: ['^Do you want to proceed\\?'],
    busy: ['\\(esc to interrupt\\)$'],
    idle: ['^  \\? for shortcuts$'],
    crashed: ['^Resume this session with: tmuxorch-sim --resume'],
  },
  exitCodes: {},
  // A one-shot run has nobody to ask: roles that act approve the sim's `ask:` questions.
  roleArgs: { coder: ['--yes'], tester: ['--yes'] },
  modelArgs: ['--model', '{model}'],
  env: ['TMUXORCH_SIM_HOME', 'TMUXORCH_SIM_LOGGED_OUT', 'TMUXORCH_SIM_TRUST', 'TMUXORCH_SIM_DROP_ENTER'],
  fixedEnv: {},
};
