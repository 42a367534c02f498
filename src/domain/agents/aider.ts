// Aider: not verified here (PyPI is not reachable); from aider.chat's scripting docs.
import type { AgentProfile } from './profile.js';

export const aider: AgentProfile = {
  type: 'aider',
  displayName: 'Aider',
  binary: 'aider',
  versionArgs: ['--version'],
  authCheck: null,
  authHint: 'aider has no API key: set OPENAI_API_KEY or ANTHROPIC_API_KEY (or --api-key in .aider.conf.yml)',
  installHint: 'install it with pipx install aider-chat (or python -m pip install aider-chat)',
  oneShot: {
    argv: [
      'aider',
      '--message',
      '{prompt}',
      '--yes-always',
      '--no-auto-commits',
      '--no-pretty',
      '--no-stream',
    ],
    resumeArgv: null,
    newSession: null,
    output: 'text',
  },
  interactive: {
    argv: ['aider', '--no-auto-commits'],
    resumeArgv: null,
    submitDelayMs: 200,
    approveKeys: ['y', 'Enter'],
    denyKeys: ['n', 'Enter'],
    interruptKeys: ['C-c'],
    clearKeys: null,
    trustKeys: null,
    trustPattern: null,
    hooks: null,
  },
  screens: {
    awaiting_approval: ['\\(Y\\)es/\\(N\\)o'],
    idle: ['^> ?$'],
  },
  exitCodes: {},
  roleArgs: {},
  modelArgs: ['--model', '{model}'],
  env: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OPENAI_API_BASE'],
  fixedEnv: {},
};
