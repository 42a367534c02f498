// The environment a worker's pane starts with: the controller's base, the profile's fixed values,
// the worker's own and its secrets (from memory), and what its role and hooks need: opencode's
// permission config (layer 2 of policy/) and the hook settings gemini and opencode read from
// their environment (hook-log.ts).
import { PolicyRefusedError } from '../../domain/errors.js';
import { opencodePermissionConfig } from '../../domain/policy/agent-permissions.js';
import type { Worker } from '../../domain/worker.js';
import type { LauncherContext } from './worker-launcher.js';

export function workerPaneEnv(
  worker: Worker,
  ctx: LauncherContext,
  panePath: string,
): Record<string, string> {
  const env: Record<string, string> = {
    ...ctx.baseEnv,
    PATH: panePath,
    TMUXORCH_SIM_HOME: ctx.baseEnv.TMUXORCH_SIM_HOME ?? ctx.simHome,
    ...(ctx.profiles.get(worker.type)?.fixedEnv ?? {}),
    ...worker.env,
    PS1: '$ ',
    HISTFILE: '/dev/null',
    TMUXORCH_WORKER_ID: worker.id,
    TMUXORCH_WORKER_NAME: worker.name,
  };
  for (const name of worker.secretEnv) {
    const value = ctx.secretValue(worker.id, name);
    if (value !== undefined) env[name] = value;
  }
  // OpenCode takes a role's rules as the `permission` part of its inline config (layer 2);
  // a config of the user's that is not JSON cannot carry them: the worker is refused.
  if (worker.policy && worker.type === 'opencode') {
    const config = opencodePermissionConfig(env.OPENCODE_CONFIG_CONTENT, worker.policy.role);
    if (config === null)
      throw new PolicyRefusedError(
        `OPENCODE_CONFIG_CONTENT is not a JSON object, so role ${worker.policy.role.name}'s permissions cannot be added to it`,
        { role: worker.policy.role.name },
      );
    env.OPENCODE_CONFIG_CONTENT = config;
  }
  // Gemini and opencode take our hooks through their environment (see hook-log.ts).
  const hooks = ctx.profiles.get(worker.type)?.interactive?.hooks ?? null;
  const interactive = worker.mode === 'interactive';
  // A policed gemini or opencode gets its tool check in one-shot mode too (its settings or its
  // plugin carry it).
  const policed =
    worker.policy !== null && (hooks === 'gemini-system-settings' || hooks === 'opencode-plugin');
  if (interactive || policed)
    Object.assign(env, ctx.hooks.hookEnv(worker.id, hooks, env, policed ? { events: interactive } : null));
  return env;
}
