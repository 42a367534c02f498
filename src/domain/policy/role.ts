// A role: a name, the agent type it usually runs (or any), its ordered rules, whether its agent
// runs in a sandbox. Roles come built in (built-in-roles.ts), from config.json (`roles`) and from
// a workflow file (`roles:`); a definition that names a known role (or `extends` one) starts from
// its rules and appends its own, so an override only says what differs.
import { z } from 'zod';
import { ruleInputSchema, type Rule } from './rule.js';

export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

export interface Role {
  readonly name: string;
  readonly description: string;
  // The agent type it runs when none is given (null: whatever the worker is).
  readonly agent: string | null;
  readonly rules: readonly Rule[];
  // Path globs no role may edit, whatever its rules say (the run's and the config's included).
  readonly protectedPaths: readonly string[];
  // Its agent runs under bubblewrap: the workspace writable, all else read-only, no network
  // unless a `net` rule allows it.
  readonly sandbox: boolean;
}

// A role as config.json or a workflow file declares it.
export const roleDefinitionSchema = z
  .object({
    extends: z.string().regex(ROLE_NAME_PATTERN, 'must be a role name').optional(),
    description: z.string().optional(),
    agent: z.string().min(1).optional(),
    rules: z.array(ruleInputSchema).default([]),
    // Replace the rules it starts from instead of appending to them.
    replace_rules: z.boolean().default(false),
    protected_paths: z.array(z.string().min(1)).default([]),
    sandbox: z.boolean().optional(),
  })
  .strict();
export type RoleDefinition = z.output<typeof roleDefinitionSchema>;

// The paths no role edits: the repository's metadata, tmuxorch's own files, CI definitions and
// environment files (which hold keys).
export const PROTECTED_PATHS: readonly string[] = [
  '.git',
  '.git/**',
  '**/.git',
  '**/.git/**',
  '**/.envrc',
  '.tmuxorch/**',
  '.github/workflows/**',
  '**/.env',
  '**/.env.*',
];

// The role a definition names: its base (a role of `known`, by `extends` or by its own name)
// with the definition's changes. Unknown `extends`: null (the caller says which).
export function resolveRole(
  name: string,
  definition: RoleDefinition,
  known: (name: string) => Role | undefined,
): Role | null {
  const baseName = definition.extends ?? name;
  const base = known(baseName);
  if (definition.extends !== undefined && !base) return null;
  return {
    name,
    description: definition.description ?? base?.description ?? `custom role ${name}`,
    agent: definition.agent ?? base?.agent ?? null,
    rules: definition.replace_rules ? definition.rules : [...(base?.rules ?? []), ...definition.rules],
    protectedPaths: [
      ...new Set([...(base?.protectedPaths ?? PROTECTED_PATHS), ...definition.protected_paths]),
    ],
    sandbox: definition.sandbox ?? base?.sandbox ?? false,
  };
}
