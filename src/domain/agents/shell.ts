// A plain shell worker: tasks are shell commands.
import type { AgentProfile } from './profile.js';

export const shell: AgentProfile = {
  type: 'shell',
  displayName: 'shell',
  binary: null,
  versionArgs: [],
  authCheck: null,
  authHint: '',
  installHint: '',
  oneShot: null,
  interactive: null,
  screens: {},
  exitCodes: {},
  roleArgs: {},
  env: [],
  fixedEnv: {},
};
