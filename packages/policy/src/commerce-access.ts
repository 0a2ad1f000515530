/**
 * Scoped commerce access: who holds which role where, what that grants in the scope of one request, and which rows
 * it reaches in the data layer.
 *
 * One list of memberships per caller feeds three derivations, so they cannot disagree:
 *   grantsIn      the roles (and so permissions) that apply in a request's scope, for `scopedPermission()` rules
 *   rowCondition  the rows of a table the caller may act on with one permission (SQL WHERE and in-memory check)
 *   reachCondition the rows of every store and organization the caller holds any role in (object lookups)
 */
import {
  COMMERCE_RBAC,
  ROW_FILTERS,
  missingToGrant,
  type CommerceResource,
  type CommerceRole,
  type OrganizationRole,
  type StoreRole,
} from './commerce.ts';
import { cond, notDeleted, type Condition } from './conditions.ts';
import { deny, permission, type AccessRule, type Decision, type Facts, type Grants } from './rules.ts';

export type Membership =
  | { readonly kind: 'organization'; readonly organizationId: string; readonly role: OrganizationRole }
  | { readonly kind: 'store'; readonly organizationId: string; readonly storeId: string; readonly role: StoreRole }
  | { readonly kind: 'customer'; readonly organizationId: string; readonly storeId: string; readonly customerId: string };

export interface CommerceActor {
  readonly userId: string;
  /** Staff users are SUPER_ADMIN everywhere. */
  readonly isStaff: boolean;
  readonly memberships: readonly Membership[];
}

export const roleOf = (m: Membership): CommerceRole => (m.kind === 'customer' ? 'CUSTOMER' : m.role);

/**
 * The scope a request acts in. `anywhere` is a list without a scope filter (grants are the union of every role, rows
 * are narrowed by rowCondition). How the scope was named decides the answer when the caller has no role in it.
 */
export type CommerceScope =
  | { readonly addressed: 'anywhere' }
  | {
      readonly addressed: 'organization';
      readonly organizationId: string;
      /** Lists across an organization's stores: store roles inside it apply too (rows are narrowed per store). */
      readonly includeStores?: boolean;
    }
  | { readonly addressed: 'store' | 'object'; readonly organizationId: string; readonly storeId: string };

export interface CommerceGrants extends Grants {
  readonly scope: CommerceScope;
  /** The caller's roles that apply in the scope. */
  readonly roles: readonly CommerceRole[];
  /** Whether the caller holds any role in (or inside) the scope. Without it, scoped rules refuse with access denied. */
  readonly reach: boolean;
}

function applies(m: Membership, scope: CommerceScope): boolean {
  switch (scope.addressed) {
    case 'anywhere':
      return true;
    // Organization-level permissions (org:*, stores:create, members) come from organization roles only.
    case 'organization':
      return m.organizationId === scope.organizationId && (m.kind === 'organization' || scope.includeStores === true);
    default:
      return m.kind === 'organization' ? m.organizationId === scope.organizationId : m.storeId === scope.storeId;
  }
}

/** The roles that apply in a scope (SUPER_ADMIN first for staff), without duplicates. */
export function rolesIn(actor: CommerceActor, scope: CommerceScope): CommerceRole[] {
  const roles = new Set<CommerceRole>();
  if (actor.isStaff) roles.add('SUPER_ADMIN');
  for (const m of actor.memberships) if (applies(m, scope)) roles.add(roleOf(m));
  return [...roles];
}

/** Any role in the scope, or inside it: a store's staff reach their organization (and are told "permission denied"). */
export function reaches(actor: CommerceActor, scope: CommerceScope): boolean {
  if (actor.isStaff) return true;
  switch (scope.addressed) {
    case 'anywhere':
      return actor.memberships.length > 0;
    case 'organization':
      return actor.memberships.some((m) => m.organizationId === scope.organizationId);
    default:
      return actor.memberships.some((m) => applies(m, scope));
  }
}

export function grantsIn(actor: CommerceActor, scope: CommerceScope): CommerceGrants {
  const roles = rolesIn(actor, scope);
  const inner = COMMERCE_RBAC.grantsOf(roles);
  return { scope, roles, reach: reaches(actor, scope), has: (p) => inner.has(p) };
}

export function isCommerceGrants(g: Grants | undefined): g is CommerceGrants {
  return g !== undefined && 'scope' in g && 'reach' in g;
}

export const STORE_ACCESS_DENIED = 'Access denied. You do not have permission to access this store.';
export const ORGANIZATION_ACCESS_DENIED = 'Access denied. You do not have permission to access this organization.';

function outOfReach(scope: CommerceScope): Decision | null {
  switch (scope.addressed) {
    case 'anywhere':
      return null;
    case 'organization':
      return deny(403, 'scope', 'a role in this organization', ORGANIZATION_ACCESS_DENIED);
    case 'store':
      return deny(403, 'scope', 'a role in this store', STORE_ACCESS_DENIED);
    // An object named by id in a store the caller has nothing to do with: no existence oracle.
    case 'object':
      return deny(404, 'scope', 'a role in the store of this object', 'Not found');
  }
}

/**
 * `permission(required)` in the request's commerce scope: first the caller must reach the scope (the spec's
 * verifyStoreAccess: 403 "Access denied …" for a named store or organization, 404 for an object of a store out of
 * reach), then hold the permission there (403 "Permission denied. You do not have permission to <action> <resource>.").
 * Documented like `permission()`: its label is the permission.
 */
export function scopedPermission(required: string): AccessRule {
  const base = permission(required);
  return {
    ...base,
    check(facts: Facts): Decision {
      if (facts.principal !== null && isCommerceGrants(facts.grants) && !facts.grants.reach) {
        const d = outOfReach(facts.grants.scope);
        if (d) return d;
      }
      return base.check(facts);
    },
  };
}

function filterCondition(m: Membership, resource: CommerceResource): Condition {
  const f = ROW_FILTERS[roleOf(m)]?.[resource];
  if (f === undefined) return cond.always();
  if (f === 'own') return m.kind === 'customer' ? cond.eq('customerId', m.customerId) : cond.never();
  return cond.eq('status', f.status);
}

/**
 * The rows of `resource` the actor may act on with `permission` (`resource:action`), soft-deleted rows excluded:
 * an OR of one term per membership whose role holds the permission (its organization or its store, narrowed by the
 * role's row filter), ANDed with `deletedAt IS NULL`.
 */
export function rowCondition(actor: CommerceActor, permissionName: string): Condition {
  if (actor.isStaff) return notDeleted();
  const resource = permissionName.slice(0, permissionName.indexOf(':')) as CommerceResource;
  const orgs: string[] = [];
  const stores: string[] = [];
  const filtered: Condition[] = [];
  for (const m of actor.memberships) {
    if (!COMMERCE_RBAC.has(roleOf(m), permissionName)) continue;
    const narrow = filterCondition(m, resource);
    if (narrow.op === 'true') {
      if (m.kind === 'organization') orgs.push(m.organizationId);
      else stores.push(m.storeId);
    } else {
      const base = m.kind === 'organization' ? cond.eq('organizationId', m.organizationId) : cond.eq('storeId', m.storeId);
      filtered.push(cond.and(base, narrow));
    }
  }
  return cond.and(cond.or(cond.in('organizationId', orgs), cond.in('storeId', stores), ...filtered), notDeleted());
}

/** Rows in any organization or store the actor holds a role in, soft-deleted rows excluded (object lookups by id). */
export function reachCondition(actor: CommerceActor): Condition {
  if (actor.isStaff) return notDeleted();
  const orgs: string[] = [];
  const stores: string[] = [];
  for (const m of actor.memberships) {
    if (m.kind === 'organization') orgs.push(m.organizationId);
    else stores.push(m.storeId);
  }
  return cond.and(cond.or(cond.in('organizationId', orgs), cond.in('storeId', stores)), notDeleted());
}

/** The scopes an invitation offers a role in: an organization, a store, or one customer record of a store. */
export type InvitationKind = 'organization' | 'store' | 'customer';

/** The permission that lets a caller invite into each kind of scope (the invitation routes declare the same). */
export const INVITE_PERMISSION: Readonly<Record<InvitationKind, string>> = {
  organization: 'org:update',
  store: 'stores:update',
  customer: 'customers:update',
};

/**
 * What `g` lacks to invite someone with `role` into a scope of `kind` (empty = may): the invite permission, then every
 * permission the role carries (the escalation guard). Checked when inviting, and again when the invitee accepts, with
 * the inviter's grants of that moment: an invitation is worth no more than its sender's rights when it is used.
 */
export function missingToInvite(g: Grants, kind: InvitationKind, role: CommerceRole): string[] {
  const p = INVITE_PERMISSION[kind];
  return [...(g.has(p) ? [] : [p]), ...missingToGrant(g, role)];
}
