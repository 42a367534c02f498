// What a worker's role adds to its agent's argv: the CLI's own permission flags for the rules
// (layer 2, policy/agent-permissions.ts) and, where the CLI takes Claude Code's settings, the
// PreToolUse hook that asks tmuxorch before each tool call (layer 3).
import type { AgentProfile } from '../../domain/agents/profile.js';
import type { Role } from '../../domain/policy/role.js';
import type { ProfileRegistry } from '../../domain/agents/registry.js';
import type { RoleRegistry } from '../../domain/policy/role-registry.js';
import { roleView, type RoleView } from '../../domain/policy/enforcement.js';
import type { Worker } from '../../domain/worker.js';
import type { HookLog } from '../../infrastructure/agents/hook-log.js';
import { cliPermissions, type PermissionDialect } from '../../domain/policy/agent-permissions.js';

export interface ProfileFlags {
  readonly args: readonly string[];
  readonly notes: readonly string[];
}

const DIALECTS: readonly PermissionDialect[] = ['claude', 'codex', 'gemini', 'opencode', 'sim'];

// The profile's dialect: a built-in type's own (a user's profile of another type has none).
export function dialectOf(profile: AgentProfile): PermissionDialect | null {
  return (DIALECTS as readonly string[]).includes(profile.type) ? (profile.type as PermissionDialect) : null;
}

// `roles show ROLE [--type T]`: a role and, for an agent type, what each layer does with it.
export function roleViewFor(
  roles: Pick<RoleRegistry, 'require'>,
  profiles: Pick<ProfileRegistry, 'require'>,
  name: string,
  type: string | null,
): RoleView {
  const role = roles.require(name);
  const profile = type ? profiles.require(type) : null;
  return roleView(role, profile, profile ? cliPermissionsFor(profile, role) : null);
}

export function cliPermissionsFor(profile: AgentProfile, role: Role): ProfileFlags | null {
  const dialect = dialectOf(profile);
  return dialect ? cliPermissions(dialect, role) : null;
}

// The arguments a policed worker's agent gets (nothing for a worker without a role). One-shot
// runs get a settings file with the hook alone; a TUI's settings carry it with its events.
export function policyArgs(
  worker: Worker,
  profile: AgentProfile,
  hooks: HookLog,
  oneShot: boolean,
): string[] {
  if (!worker.policy) return [];
  const flags = cliPermissionsFor(profile, worker.policy.role)?.args ?? [];
  const hookArgs =
    oneShot && profile.interactive?.hooks === 'claude-settings'
      ? ['--settings', hooks.settingsFile(worker.id, true, false)]
      : [];
  return [...flags, ...hookArgs];
}
