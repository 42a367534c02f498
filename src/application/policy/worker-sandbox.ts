// Layer 6: a worker's shell under bubblewrap when its role asks for a sandbox. Everything the
// shell starts (commands, the agent, its hooks) writes only to its workspace, its step's
// directory and what tmuxorch must receive from it (its hook log, its task outputs, the sim's
// sessions, the agent CLI's own config dir), and has no network unless a `net` rule allows it.
// Reads are not confined (roles show says so).
import { join } from 'node:path';
import { effectOf } from '../../domain/policy/decide.js';
import type { Worker } from '../../domain/worker.js';
import { gitDirOf } from '../../infrastructure/git/git-queries.js';
import { sandboxArgv } from '../../infrastructure/process/sandbox.js';
import { sandboxFor } from './policy-checks.js';

export interface SandboxPlaces {
  // Where bwrap is looked for.
  readonly path: string;
  // tmuxorch's own places the worker writes to (hook log, task outputs, hand-off files, sim home).
  readonly writable: readonly string[];
}

export async function sandboxedShell(
  worker: Worker,
  shell: string[],
  env: Readonly<Record<string, string>>,
  places: SandboxPlaces,
): Promise<string[]> {
  const policy = worker.policy;
  const bwrap = await sandboxFor(policy, places.path);
  if (!bwrap || !policy) return shell;
  const home = env.HOME ?? process.env.HOME ?? '';
  const writable = [
    ...places.writable,
    env.TMUXORCH_SIM_HOME ?? '',
    policy.stepDir ?? '',
    env.CLAUDE_CONFIG_DIR ?? (home ? join(home, '.claude') : ''),
    env.CODEX_HOME ?? (home ? join(home, '.codex') : ''),
    home ? join(home, '.gemini') : '',
  ].filter((path) => path !== '');
  const spec = {
    workspace: policy.workspace,
    writable,
    net: effectOf(policy.role, 'net') === 'allow',
    // Its commits go through the git hooks (layer 4); without commit, git metadata stays read-only.
    gitDir: effectOf(policy.role, 'commit') === 'deny' ? undefined : await gitDirOf(policy.workspace),
  };
  return sandboxArgv(bwrap, spec, shell);
}
