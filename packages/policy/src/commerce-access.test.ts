import { describe, expect, it } from 'vitest';
import {
  ORGANIZATION_ACCESS_DENIED,
  STORE_ACCESS_DENIED,
  grantsIn,
  missingToInvite,
  reachCondition,
  rolesIn,
  rowCondition,
  scopedPermission,
  type CommerceActor,
  type CommerceScope,
} from './commerce-access.ts';
import { toPredicate, type ConditionRow } from './conditions.ts';
import { permission, type Principal } from './rules.ts';

const principal: Principal = { userId: 'u', tier: 'free', isStaff: false, credits: 0, via: 'jwt' };
const actor = (memberships: CommerceActor['memberships'], isStaff = false): CommerceActor => ({ userId: 'u', isStaff, memberships });

const member = actor([{ kind: 'organization', organizationId: 'A', role: 'MEMBER' }]);
const salesA1 = actor([{ kind: 'store', organizationId: 'A', storeId: 'A1', role: 'SALES_MANAGER' }]);
const customerA1 = actor([{ kind: 'customer', organizationId: 'A', storeId: 'A1', customerId: 'c1' }]);
const mixed = actor([
  { kind: 'organization', organizationId: 'A', role: 'VIEWER' },
  { kind: 'store', organizationId: 'A', storeId: 'A2', role: 'DELIVERY_BOY' },
  { kind: 'customer', organizationId: 'B', storeId: 'B1', customerId: 'c9' },
]);

const store = (organizationId: string, storeId: string): CommerceScope => ({ addressed: 'store', organizationId, storeId });

describe('roles in a scope', () => {
  it('are the organization roles of its organization plus the store and customer roles of its store', () => {
    expect(rolesIn(mixed, store('A', 'A2'))).toEqual(['VIEWER', 'DELIVERY_BOY']);
    expect(rolesIn(mixed, store('A', 'A1'))).toEqual(['VIEWER']);
    expect(rolesIn(mixed, store('B', 'B1'))).toEqual(['CUSTOMER']);
    expect(rolesIn(mixed, { addressed: 'anywhere' })).toEqual(['VIEWER', 'DELIVERY_BOY', 'CUSTOMER']);
  });

  it('are organization roles only at organization level, unless a list spans the stores inside', () => {
    expect(rolesIn(salesA1, { addressed: 'organization', organizationId: 'A' })).toEqual([]);
    expect(rolesIn(salesA1, { addressed: 'organization', organizationId: 'A', includeStores: true })).toEqual(['SALES_MANAGER']);
  });

  it('make a staff user SUPER_ADMIN everywhere', () => {
    expect(rolesIn(actor([], true), store('Z', 'Z1'))).toEqual(['SUPER_ADMIN']);
    expect(grantsIn(actor([], true), store('Z', 'Z1')).has('org:delete')).toBe(true);
  });
});

describe('scopedPermission', () => {
  const rule = scopedPermission('products:update');
  const check = (a: CommerceActor, scope: CommerceScope) => rule.check({ principal, grants: grantsIn(a, scope) });

  it('is documented as the permission itself', () => {
    expect(rule.label).toBe(permission('products:update').label);
    expect(rule.kind).toBe('permission');
  });

  it('allows a role holding the permission in the scope', () => {
    expect(check(salesA1, store('A', 'A1'))).toEqual({ allowed: true });
  });

  it('answers the spec’s store message for a named store the caller has no role in', () => {
    const d = check(salesA1, store('A', 'A2'));
    expect(d).toMatchObject({ allowed: false, status: 403, reason: { message: STORE_ACCESS_DENIED } });
  });

  it('answers 404 for an object of a store the caller has no role in (no existence oracle)', () => {
    expect(check(salesA1, { addressed: 'object', organizationId: 'B', storeId: 'B1' })).toMatchObject({ allowed: false, status: 404 });
  });

  it('answers the organization message for an organization the caller has nothing in', () => {
    const d = scopedPermission('org:read').check({ principal, grants: grantsIn(salesA1, { addressed: 'organization', organizationId: 'B' }) });
    expect(d).toMatchObject({ status: 403, reason: { message: ORGANIZATION_ACCESS_DENIED } });
  });

  it('answers the spec’s permission message when the caller reaches the scope but lacks the permission', () => {
    const d = check(member, store('A', 'A1'));
    expect(d).toMatchObject({ status: 403, reason: { rule: 'permission', message: 'Permission denied. You do not have permission to update products.' } });
    // Store staff reach their organization, so they hear which permission is missing rather than "access denied".
    const o = scopedPermission('org:read').check({ principal, grants: grantsIn(salesA1, { addressed: 'organization', organizationId: 'A' }) });
    expect(o).toMatchObject({ status: 403, reason: { rule: 'permission' } });
  });

  it('still answers 401 to an anonymous caller', () => {
    expect(rule.check({ principal: null })).toMatchObject({ status: 401 });
  });
});

describe('row conditions', () => {
  const rows: Array<ConditionRow & { name: string }> = [
    { name: 'A1 live', organizationId: 'A', storeId: 'A1', customerId: 'c1', status: 'PUBLISHED', deletedAt: null },
    { name: 'A1 other customer', organizationId: 'A', storeId: 'A1', customerId: 'c2', status: 'DRAFT', deletedAt: null },
    { name: 'A1 deleted', organizationId: 'A', storeId: 'A1', customerId: 'c1', status: 'PUBLISHED', deletedAt: new Date() },
    { name: 'A2 live', organizationId: 'A', storeId: 'A2', customerId: 'c3', status: 'PUBLISHED', deletedAt: null },
    { name: 'B1 live', organizationId: 'B', storeId: 'B1', customerId: 'c9', status: 'PUBLISHED', deletedAt: null },
  ];
  const visible = (a: CommerceActor, p: string) => rows.filter(toPredicate(rowCondition(a, p))).map((r) => r.name);

  it('cover the whole organization for an organization role, never a deleted row', () => {
    expect(visible(member, 'orders:read')).toEqual(['A1 live', 'A1 other customer', 'A2 live']);
  });

  it('cover one store for a store role, and nothing for a permission the role lacks', () => {
    expect(visible(salesA1, 'orders:read')).toEqual(['A1 live', 'A1 other customer']);
    expect(visible(salesA1, 'products:delete')).toEqual([]);
  });

  it('narrow CUSTOMER to its own orders and to published products', () => {
    expect(visible(customerA1, 'orders:read')).toEqual(['A1 live']);
    expect(visible(customerA1, 'products:read')).toEqual(['A1 live']);
    expect(visible(customerA1, 'customers:read')).toEqual([]);
  });

  it('unite the scopes of several memberships', () => {
    expect(visible(mixed, 'orders:read')).toEqual(['A2 live', 'B1 live']);
    expect(visible(mixed, 'products:read')).toEqual(['A1 live', 'A1 other customer', 'A2 live', 'B1 live']);
  });

  it('give staff every live row', () => {
    expect(visible(actor([], true), 'orders:delete')).toEqual(['A1 live', 'A1 other customer', 'A2 live', 'B1 live']);
  });

  it('reach every live row of every store and organization the caller holds any role in', () => {
    expect(rows.filter(toPredicate(reachCondition(salesA1))).map((r) => r.name)).toEqual(['A1 live', 'A1 other customer']);
    expect(rows.filter(toPredicate(reachCondition(mixed))).map((r) => r.name)).toEqual(['A1 live', 'A1 other customer', 'A2 live', 'B1 live']);
  });
});

describe('who may invite whom', () => {
  const admin = actor([{ kind: 'organization', organizationId: 'A', role: 'ADMIN' }]);
  const org = { addressed: 'organization', organizationId: 'A' } as const;
  it('needs the scope’s invite permission and every permission of the role offered', () => {
    expect(missingToInvite(grantsIn(admin, org), 'organization', 'MEMBER')).toEqual([]);
    expect(missingToInvite(grantsIn(admin, org), 'organization', 'OWNER')).toEqual(['org:delete']);
    expect(missingToInvite(grantsIn(member, org), 'organization', 'VIEWER')).toEqual(['org:update']);
    expect(missingToInvite(grantsIn(salesA1, store('A', 'A1')), 'customer', 'CUSTOMER')).toEqual([]);
    expect(missingToInvite(grantsIn(salesA1, store('A', 'A1')), 'store', 'DELIVERY_BOY')).toEqual(['stores:update']);
  });

  it('gives an inviter who has lost every role nothing to hand out', () => {
    expect(missingToInvite(grantsIn(actor([]), store('A', 'A1')), 'customer', 'CUSTOMER')).toEqual(['customers:update', 'products:read', 'categories:read', 'brands:read', 'orders:create', 'orders:read', 'orders:update']);
  });
});
