// What must hold before a worker takes a role: no flag in its agent's argv that cancels the rules
// (a bypass refused, never run), and bubblewrap where the role asks for a sandbox.
import type { AgentProfile } from '../../domain/agents/profile.js';
import { PolicyRefusedError } from '../../domain/errors.js';
import { bypassIn } from '../../domain/policy/bypass-flags.js';
import type { WorkerPolicy } from '../../domain/policy/worker-policy.js';
import { probeSandbox } from '../../infrastructure/process/sandbox.js';
import { cliPermissionsFor, dialectOf } from './agent-flags.js';

// Every argv the worker's agent can be started with, the role's arguments included.
function argvsOf(profile: AgentProfile, role: string): string[][] {
  const extra = profile.roleArgs[role] ?? [];
  return [
    profile.oneShot?.argv,
    profile.oneShot?.resumeArgv,
    profile.interactive?.argv,
    profile.interactive?.resumeArgv,
  ]
    .filter((argv): argv is readonly string[] => Array.isArray(argv))
    .map((argv) => [...argv, ...extra]);
}

export function refuseBypass(profile: AgentProfile, policy: WorkerPolicy): void {
  if (profile.binary === null) return;
  const agent = dialectOf(profile) ?? (profile.type === 'aider' ? 'aider' : null);
  const flags = cliPermissionsFor(profile, policy.role)?.args ?? [];
  for (const argv of argvsOf(profile, policy.role.name)) {
    const found = bypassIn(agent, [...argv, ...flags], policy.role.name);
    if (found) throw new PolicyRefusedError(found, { role: policy.role.name, type: profile.type });
  }
}

let probed: Promise<{ bwrap: string } | { bwrap: null; reason: string }> | null = null;

// bwrap's path for a sandboxed role, probed once per process; refused with the reason without it.
export async function sandboxFor(policy: WorkerPolicy | null, path: string): Promise<string | null> {
  if (!policy?.role.sandbox) return null;
  probed ??= probeSandbox(path);
  const found = await probed;
  if (found.bwrap === null) {
    probed = null; // installed later: probed again
    throw new PolicyRefusedError(
      `role ${policy.role.name} runs its agent in a sandbox, but ${found.reason}`,
      {
        role: policy.role.name,
      },
    );
  }
  return found.bwrap;
}
