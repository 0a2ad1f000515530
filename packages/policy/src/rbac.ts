/**
 * Role-based access: roles map to `resource:action` permissions with `resource:*` and `*` wildcards.
 *
 * Tables are compiled once into plain Sets so a check is one or three Set lookups, never a scan of the table.
 */
import type { Grants } from './rules.ts';

export type PermissionTable<R extends string> = Readonly<Record<R, readonly string[]>>;

export interface CompiledRoles<R extends string> {
  readonly roles: readonly R[];
  /** Does `role` grant `permission` (a concrete `resource:action`)? */
  has(role: R, permission: string): boolean;
  /** The union of several roles' grants, e.g. a user's roles in one store. */
  grantsOf(roles: Iterable<R>): Grants;
  /** The patterns a role was declared with (wildcards kept), for docs and the console. */
  patterns(role: R): readonly string[];
}

function validate(pattern: string): void {
  if (pattern === '*') return;
  const i = pattern.indexOf(':');
  if (i <= 0 || i === pattern.length - 1 || pattern.indexOf(':', i + 1) !== -1) {
    throw new Error(`invalid permission pattern "${pattern}": expected resource:action, resource:* or *`);
  }
}

/** True when `pattern` (possibly a wildcard) covers the concrete `permission`. */
export function matches(pattern: string, permission: string): boolean {
  if (pattern === '*' || pattern === permission) return true;
  if (pattern.endsWith(':*')) return permission.startsWith(pattern.slice(0, -1));
  return false;
}

class SetGrants implements Grants {
  constructor(private readonly set: ReadonlySet<string>) {}
  has(permission: string): boolean {
    const s = this.set;
    if (s.has(permission) || s.has('*')) return true;
    const i = permission.indexOf(':');
    return i > 0 && s.has(permission.slice(0, i) + ':*');
  }
}

export const NO_GRANTS: Grants = { has: () => false };

export function compileRoles<R extends string>(table: PermissionTable<R>): CompiledRoles<R> {
  const roles = Object.keys(table) as R[];
  const sets = new Map<R, SetGrants>();
  const raw = new Map<R, Set<string>>();
  for (const role of roles) {
    const patterns = table[role];
    for (const p of patterns) validate(p);
    const set = new Set(patterns);
    raw.set(role, set);
    sets.set(role, new SetGrants(set));
  }
  return {
    roles,
    has(role, permission) {
      return sets.get(role)?.has(permission) ?? false;
    },
    grantsOf(list) {
      const union = new Set<string>();
      let single: SetGrants | undefined;
      let count = 0;
      for (const role of list) {
        count++;
        single = sets.get(role);
        for (const p of raw.get(role) ?? []) union.add(p);
      }
      if (count === 0) return NO_GRANTS;
      return count === 1 && single ? single : new SetGrants(union);
    },
    patterns(role) {
      return [...(raw.get(role) ?? [])];
    },
  };
}
