// The agent profiles a fleet knows: the built-in ones, with the user's additions and overrides
// (config.json `agents`) laid over them field by field.
import { UsageError } from '../errors.js';
import { aider } from './aider.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';
import type { AgentProfile } from './profile.js';
import { shell } from './shell.js';
import { sim } from './sim.js';

export const BUILTIN_PROFILES: readonly AgentProfile[] = [shell, sim, claude, codex, gemini, opencode, aider];

// A user's profile entry: fields of a profile, each optional; a new type must name at least its binary.
export type ProfileOverride = {
  readonly [K in keyof Omit<AgentProfile, 'type'>]?: AgentProfile[K] | undefined;
};

function defined(override: ProfileOverride): Partial<AgentProfile> {
  return Object.fromEntries(
    Object.entries(override).filter(([, v]) => v !== undefined),
  ) as Partial<AgentProfile>;
}

export class ProfileRegistry {
  private readonly byType = new Map<string, AgentProfile>();

  constructor(overrides: Readonly<Record<string, ProfileOverride>> = {}) {
    for (const profile of BUILTIN_PROFILES) this.byType.set(profile.type, profile);
    for (const [type, override] of Object.entries(overrides)) {
      const base = this.byType.get(type);
      if (!base && !override.binary) {
        throw new UsageError(`agent profile "${type}" is new, so it needs at least a "binary"`, { type });
      }
      const profile: AgentProfile = {
        ...(base ?? {
          ...shell,
          displayName: type,
          authHint: `${type} cannot authenticate`,
          installHint: `install ${type}`,
        }),
        ...defined(override),
        type,
        screens: { ...(base?.screens ?? {}), ...(override.screens ?? {}) },
        roleArgs: { ...(base?.roleArgs ?? {}), ...(override.roleArgs ?? {}) },
        fixedEnv: { ...(base?.fixedEnv ?? {}), ...(override.fixedEnv ?? {}) },
      };
      this.byType.set(type, profile);
    }
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  get(type: string): AgentProfile | undefined {
    return this.byType.get(type);
  }

  require(type: string): AgentProfile {
    const profile = this.byType.get(type);
    if (!profile) {
      throw new UsageError(`unknown worker type "${type}": use one of ${this.types().join(', ')}`, { type });
    }
    return profile;
  }
}
