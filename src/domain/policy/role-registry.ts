// The roles a fleet knows: the built-in ones with config.json's definitions over them. A name
// of an earlier version (`implementer`) is read as the role that replaced it.
import { UsageError } from '../errors.js';
import { BUILT_IN_ROLES, ROLE_ALIASES } from './built-in-roles.js';
import { resolveRole, type Role, type RoleDefinition } from './role.js';

export class RoleRegistry {
  private readonly roles = new Map<string, Role>();

  constructor(
    definitions: Readonly<Record<string, RoleDefinition>> = {},
    // The fleet's own protected paths, added to every role's.
    protectedPaths: readonly string[] = [],
  ) {
    for (const role of BUILT_IN_ROLES)
      this.roles.set(role.name, {
        ...role,
        protectedPaths: [...new Set([...role.protectedPaths, ...protectedPaths])],
      });
    for (const [name, definition] of Object.entries(definitions))
      this.roles.set(name, this.define(name, definition));
  }

  // A role from a definition over the known ones (a workflow's `roles:` entry, a config entry).
  define(name: string, definition: RoleDefinition): Role {
    const role = resolveRole(name, definition, (known) => this.get(known));
    if (!role)
      throw new UsageError(
        `role ${name} extends ${definition.extends ?? '?'}, which is not a role (roles: ${this.names().join(', ')})`,
        { role: name },
      );
    return role;
  }

  get(name: string): Role | undefined {
    return this.roles.get(ROLE_ALIASES[name] ?? name);
  }

  require(name: string): Role {
    const role = this.get(name);
    if (!role)
      throw new UsageError(`no role is named ${name} (roles: ${this.names().join(', ')})`, { role: name });
    return role;
  }

  names(): string[] {
    return [...this.roles.keys()];
  }

  all(): Role[] {
    return [...this.roles.values()];
  }
}
