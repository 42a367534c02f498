// Which parts of the controller's environment reach tmux and the workers. Secret-named variables
// never do by default: a worker gets a key only when it was named for it (add-worker --env).
import { isSecretName, isSecretValue } from '../../domain/redact.js';

const PASSED_TO_PANES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'NODE_OPTIONS',
  // The umask the user started tmuxorch with: the worker rc restores it (tmuxorch itself runs 077).
  'TMUXORCH_USER_UMASK',
];

// The environment for tmux processes (a server started from here inherits it as its global env).
export function tmuxProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (
      value === undefined ||
      isSecretName(key) ||
      isSecretValue(value) ||
      key === 'TMUX' ||
      key === 'TMUX_PANE'
    )
      continue;
    clean[key] = value;
  }
  return clean;
}

// The variables every pane starts with, plus what tells tmuxorch inside a pane which fleet it is in.
export function paneBaseEnv(env: NodeJS.ProcessEnv, fleet: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of PASSED_TO_PANES) {
    const value = env[key];
    if (value !== undefined && value !== '' && !isSecretValue(value)) base[key] = value;
  }
  return { ...base, ...fleet };
}
