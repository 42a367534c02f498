// Where the real agent CLIs (claude, codex, gemini from npm) are installed for the tests that run
// them: $TMUXORCH_AGENT_CLI_DIR, else <repo>/.agent-clis (what .ci/run installs), else
// /tmp/agent-clis. Tests skip when none of them has `claude`.
import { accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

// Where .ci/run installs the CLIs (`npm install --prefix .agent-clis …`).
export const REPO_AGENT_CLIS = join(REPO_ROOT, '.agent-clis');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// The candidate directories of CLI executables, in the order they are tried.
export function agentCliCandidates(): string[] {
  const fromEnv = process.env.TMUXORCH_AGENT_CLI_DIR;
  return [
    ...(fromEnv ? [resolve(fromEnv)] : []),
    join(REPO_AGENT_CLIS, 'node_modules', '.bin'),
    '/tmp/agent-clis/node_modules/.bin',
  ];
}

// The first candidate directory that holds an executable `claude`, or null.
export function agentCliDir(): string | null {
  return agentCliCandidates().find((dir) => isExecutable(join(dir, 'claude'))) ?? null;
}

// Whether that directory also holds the named CLI (codex, gemini…).
export function hasCli(name: string): boolean {
  const dir = agentCliDir();
  return dir !== null && isExecutable(join(dir, name));
}
