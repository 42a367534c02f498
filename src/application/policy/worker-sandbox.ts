// Layer 6: a worker's shell under bubblewrap when its role asks for a sandbox. Everything the
// shell starts (commands, the agent, its hooks) writes only to its workspace, its step's
// directory and what tmuxorch must receive from it (its own hook log file, the task outputs, the
// sim's sessions, an agent config dir given to the worker), and has no network unless a `net`
// rule allows it. Reads are not confined (roles show says so), nor are the shared task-output
// and hand-off directories (another worker's outputs there can be changed), except the keys:
// the daemon's is hidden and only the worker's own is shown, so what runs inside reaches the
// daemon only as its worker's hook (rpc-server.ts) and cannot approve its own asks.
import { effectOf } from '../../domain/policy/decide.js';
import type { Worker } from '../../domain/worker.js';
import { sandboxArgv } from '../../infrastructure/process/sandbox.js';
import { sandboxFor } from './policy-checks.js';
import { emptyFile } from '../../infrastructure/ipc/worker-keys.js';
import { packageRoot } from '../../infrastructure/process/bundled-agent.js';
import { dirname } from 'node:path';

export interface SandboxPlaces {
  // Where bwrap is looked for.
  readonly path: string;
  // tmuxorch's own places the worker writes to (hook log, task outputs, hand-off files, sim home).
  readonly writable: readonly string[];
  // The daemon's key (shown as an empty file) and the workers' keys (only its own shown): an
  // agent inside can ask about its own tool calls, and neither answer them nor run anything else.
  readonly keys: {
    readonly daemonKeyFile: string;
    readonly emptyKeyFile: string;
    readonly workerKeysDir: string;
    readonly ownKeyFile: string | null;
  };
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
  // The agent CLI's own config dir only when the worker was given one of its own: the user's
  // ~/.claude or ~/.codex writable would let a sandboxed agent add hooks that run, unsandboxed,
  // in every later session of the user.
  const writable = [
    ...places.writable,
    env.TMUXORCH_SIM_HOME ?? '',
    policy.stepDir ?? '',
    env.CLAUDE_CONFIG_DIR ?? '',
    env.CODEX_HOME ?? '',
  ].filter((path) => path !== '');
  const spec = {
    workspace: policy.workspace,
    writable,
    net: effectOf(policy.role, 'net') === 'allow',
    // Git metadata stays read-only inside: its hooks dir and config would otherwise let the agent
    // plant a program that tmuxorch's own git commands run outside. Its work is committed by the
    // controller after the step (the snapshot), as any step's is.
    gitDir: undefined,
    hidden: [{ path: places.keys.daemonKeyFile, with: emptyFile(places.keys.emptyKeyFile) }],
    // What the agent's hooks run (tmuxorch policy check), wherever it is installed.
    visible: [packageRoot(), dirname(process.execPath)],
    emptied: [
      {
        dir: places.keys.workerKeysDir,
        keep: places.keys.ownKeyFile === null ? [] : [places.keys.ownKeyFile],
      },
    ],
  };
  return sandboxArgv(bwrap, spec, shell);
}
