import { describe, it, expect } from 'vitest';
import {
  ALLOW,
  UNAUTHORIZED,
  admin,
  allowAny,
  and,
  apiKey,
  authenticated,
  deny,
  enterpriseTier,
  explain,
  hasCredits,
  isAccessRule,
  not,
  or,
  owner,
  ownerOrAdmin,
  ownerOrReadOnly,
  permission,
  proTier,
  type AccessRule,
  type Decision,
  type DenyStatus,
  type Facts,
  type Grants,
  type Owned,
  type Principal,
} from './rules.ts';
import { compileRoles } from './rbac.ts';

/** Table-driven tests whose names are full sentences (vitest's `$field` quotes and truncates them). */
function cases<T>(rows: readonly T[], name: (row: T) => string, fn: (row: T) => void): void {
  for (const row of rows) it(name(row), () => fn(row));
}

const user = (over: Partial<Principal> = {}): Principal => ({
  userId: 'u1',
  tier: 'free',
  isStaff: false,
  credits: 0,
  via: 'jwt',
  ...over,
});

const staff = user({ userId: 'staff1', isStaff: true });
const mine: Owned = { ownerId: 'u1' };
const theirs: Owned = { ownerId: 'u2' };
const loadProduct = async (_input: { id: string }): Promise<Owned | null> => mine;
const loadOrder = async (_input: { id: string }): Promise<Owned | null> => theirs;

const grantsOf = (...perms: string[]): Grants => ({ has: (p) => perms.includes(p) });

/** A rule with a fixed answer, to pin down how combinators pick among their children's answers. */
function fixed(decision: Decision, label = 'Fixed'): AccessRule {
  return { kind: 'fixed', label, children: [], needsPrincipal: true, check: () => decision };
}
const refusal = (status: DenyStatus, rule: string): Decision => deny(status, rule, `${rule} required`, `${rule} says no`);

const unauthenticatedReason = (rule: string) => ({
  allowed: false,
  status: 401,
  reason: { rule, required: 'an authenticated principal', message: UNAUTHORIZED },
});

describe('deny and ALLOW', () => {
  it('ALLOW is a frozen allowed decision', () => {
    expect(ALLOW).toEqual({ allowed: true });
    expect(Object.isFrozen(ALLOW)).toBe(true);
  });

  it('deny builds a refusal with status and reason', () => {
    expect(deny(403, 'admin', 'staff user', 'Admin access required.')).toEqual({
      allowed: false,
      status: 403,
      reason: { rule: 'admin', required: 'staff user', message: 'Admin access required.' },
    });
  });
});

describe('every principal rule without a principal', () => {
  const rules: Array<{ name: string; rule: AccessRule; kind: string; facts?: Partial<Facts> }> = [
    { name: 'authenticated', rule: authenticated, kind: 'authenticated' },
    { name: 'admin', rule: admin, kind: 'admin' },
    { name: 'proTier', rule: proTier, kind: 'proTier' },
    { name: 'enterpriseTier', rule: enterpriseTier, kind: 'enterpriseTier' },
    { name: 'apiKey', rule: apiKey, kind: 'apiKey' },
    { name: 'hasCredits', rule: hasCredits, kind: 'hasCredits' },
    { name: 'owner', rule: owner(loadProduct), kind: 'owner', facts: { resource: mine } },
    { name: 'ownerOrAdmin', rule: ownerOrAdmin(loadProduct), kind: 'ownerOrAdmin', facts: { resource: mine } },
    {
      name: 'ownerOrReadOnly on a read',
      rule: ownerOrReadOnly(loadProduct),
      kind: 'ownerOrReadOnly',
      facts: { resource: mine, readOnly: true },
    },
    {
      name: 'permission',
      rule: permission('products:update'),
      kind: 'permission',
      facts: { grants: grantsOf('products:update') },
    },
  ];

  cases(rules, (r) => `${r.name} answers 401 Unauthorized to a caller without a principal`, ({ rule, kind, facts }) => {
    expect(rule.check({ principal: null, ...facts })).toEqual(unauthenticatedReason(kind));
  });

  cases(rules, (r) => `${r.name} declares that it needs a principal`, ({ rule }) => {
    expect(rule.needsPrincipal).toBe(true);
  });

  it('object-level rules answer 401 before looking at the resource, so a missing one does not throw', () => {
    expect(owner(loadProduct).check({ principal: null })).toEqual(unauthenticatedReason('owner'));
    expect(ownerOrAdmin(loadProduct).check({ principal: null })).toEqual(unauthenticatedReason('ownerOrAdmin'));
    expect(ownerOrReadOnly(loadProduct).check({ principal: null, resource: null })).toEqual(
      unauthenticatedReason('ownerOrReadOnly'),
    );
  });
});

describe('allowAny', () => {
  it('allows a caller without a principal', () => {
    expect(allowAny.check({ principal: null })).toEqual({ allowed: true });
  });

  it('allows any principal', () => {
    expect(allowAny.check({ principal: user() })).toBe(ALLOW);
    expect(allowAny.check({ principal: staff })).toBe(ALLOW);
  });

  it('does not need a principal', () => {
    expect(allowAny.needsPrincipal).toBe(false);
  });
});

describe('principal rules', () => {
  const allowed: Array<{ name: string; rule: AccessRule; principal: Principal }> = [
    { name: 'authenticated allows a free user', rule: authenticated, principal: user() },
    { name: 'authenticated allows a ticket caller', rule: authenticated, principal: user({ via: 'ticket' }) },
    { name: 'admin allows a staff user', rule: admin, principal: staff },
    { name: 'proTier allows a pro user', rule: proTier, principal: user({ tier: 'pro' }) },
    { name: 'proTier allows an enterprise user', rule: proTier, principal: user({ tier: 'enterprise' }) },
    { name: 'enterpriseTier allows an enterprise user', rule: enterpriseTier, principal: user({ tier: 'enterprise' }) },
    { name: 'apiKey allows a caller who came with an API key', rule: apiKey, principal: user({ via: 'apiKey' }) },
    { name: 'hasCredits allows a user with one credit', rule: hasCredits, principal: user({ credits: 1 }) },
    { name: 'hasCredits allows a user with a fraction of a credit', rule: hasCredits, principal: user({ credits: 0.5 }) },
  ];

  cases(allowed, (r) => r.name, ({ rule, principal }) => {
    expect(rule.check({ principal })).toBe(ALLOW);
  });

  const staffOnly = { rule: 'admin', required: 'staff user', message: 'Admin access required.' };
  const proOnly = { rule: 'proTier', required: 'tier pro or enterprise', message: 'A Pro subscription is required.' };
  const enterpriseOnly = {
    rule: 'enterpriseTier',
    required: 'tier enterprise',
    message: 'An Enterprise subscription is required.',
  };
  const keyOnly = { rule: 'apiKey', required: 'an X-API-Key credential', message: 'This endpoint requires an API key.' };
  const credits = { rule: 'hasCredits', required: 'credits > 0', message: 'No credits left.' };

  const refused: Array<{ name: string; rule: AccessRule; principal: Principal; reason: object }> = [
    { name: 'admin refuses a non-staff user with 403', rule: admin, principal: user(), reason: staffOnly },
    {
      name: 'admin refuses a non-staff enterprise user with 403',
      rule: admin,
      principal: user({ tier: 'enterprise' }),
      reason: staffOnly,
    },
    { name: 'proTier refuses a free user with 403', rule: proTier, principal: user(), reason: proOnly },
    {
      name: 'proTier refuses a free staff user with 403 (staff is not a tier)',
      rule: proTier,
      principal: staff,
      reason: proOnly,
    },
    { name: 'enterpriseTier refuses a free user with 403', rule: enterpriseTier, principal: user(), reason: enterpriseOnly },
    {
      name: 'enterpriseTier refuses a pro user with 403',
      rule: enterpriseTier,
      principal: user({ tier: 'pro' }),
      reason: enterpriseOnly,
    },
    { name: 'apiKey refuses a caller who came with a JWT with 403', rule: apiKey, principal: user(), reason: keyOnly },
    {
      name: 'apiKey refuses a caller who came with a ticket with 403',
      rule: apiKey,
      principal: user({ via: 'ticket' }),
      reason: keyOnly,
    },
    { name: 'hasCredits refuses a user with 0 credits with 403', rule: hasCredits, principal: user(), reason: credits },
    {
      name: 'hasCredits refuses a user with negative credits with 403',
      rule: hasCredits,
      principal: user({ credits: -3 }),
      reason: credits,
    },
  ];

  cases(refused, (r) => r.name, ({ rule, principal, reason }) => {
    expect(rule.check({ principal })).toEqual({ allowed: false, status: 403, reason });
  });
});

describe('owner', () => {
  const rule = owner(loadProduct);

  it('owner allows the user who owns the object', () => {
    expect(rule.check({ principal: user(), resource: mine })).toBe(ALLOW);
  });

  it("owner answers 404 for another user's object", () => {
    expect(rule.check({ principal: user(), resource: theirs })).toEqual({
      allowed: false,
      status: 404,
      reason: { rule: 'owner', required: 'resource owner', message: 'Not found' },
    });
  });

  it('owner answers 404 when the object was not found', () => {
    expect(rule.check({ principal: user(), resource: null })).toEqual({
      allowed: false,
      status: 404,
      reason: { rule: 'owner', required: 'resource owner', message: 'Not found' },
    });
  });

  it('owner gives the same answer for a missing object and a foreign one (no existence oracle)', () => {
    expect(rule.check({ principal: user(), resource: null })).toEqual(
      rule.check({ principal: user(), resource: theirs }),
    );
  });

  it('owner refuses a staff user who does not own the object', () => {
    expect(rule.check({ principal: staff, resource: mine })).toMatchObject({ allowed: false, status: 404 });
  });

  it('owner throws when the server did not load the resource (a wiring bug, never a deny)', () => {
    expect(() => rule.check({ principal: user() })).toThrow('rule owner needs a loaded resource');
    expect(() => rule.check({ principal: user(), resource: undefined })).toThrow(/wiring|needs a loaded resource/);
  });

  it('owner carries its loader', () => {
    expect(rule.load).toBe(loadProduct);
    expect(rule.kind).toBe('owner');
    expect(rule.children).toEqual([]);
  });
});

describe('ownerOrAdmin', () => {
  const rule = ownerOrAdmin(loadProduct);
  const missing = {
    allowed: false,
    status: 404,
    reason: { rule: 'ownerOrAdmin', required: 'resource owner or staff', message: 'Not found' },
  };

  it('ownerOrAdmin allows the owner', () => {
    expect(rule.check({ principal: user(), resource: mine })).toBe(ALLOW);
  });

  it("ownerOrAdmin allows a staff user on another user's object", () => {
    expect(rule.check({ principal: staff, resource: mine })).toBe(ALLOW);
  });

  it("ownerOrAdmin answers 404 to a non-staff user for another user's object", () => {
    expect(rule.check({ principal: user(), resource: theirs })).toEqual({
      allowed: false,
      status: 404,
      reason: { rule: 'ownerOrAdmin', required: 'resource owner', message: 'Not found' },
    });
  });

  it('ownerOrAdmin answers 404 when the object was not found, to users and staff alike', () => {
    expect(rule.check({ principal: user(), resource: null })).toEqual(missing);
    expect(rule.check({ principal: staff, resource: null })).toEqual(missing);
  });

  it('ownerOrAdmin throws when the resource was not loaded, even for staff', () => {
    expect(() => rule.check({ principal: user() })).toThrow('rule ownerOrAdmin needs a loaded resource');
    expect(() => rule.check({ principal: staff })).toThrow('rule ownerOrAdmin needs a loaded resource');
  });

  it('ownerOrAdmin carries its loader', () => {
    expect(rule.load).toBe(loadProduct);
  });
});

describe('ownerOrReadOnly', () => {
  const rule = ownerOrReadOnly(loadProduct);
  const writeRefused = {
    allowed: false,
    status: 403,
    reason: { rule: 'ownerOrReadOnly', required: 'resource owner to modify', message: 'Only the owner may modify this.' },
  };
  const missing = {
    allowed: false,
    status: 404,
    reason: { rule: 'ownerOrReadOnly', required: 'an existing resource', message: 'Not found' },
  };

  cases(
    [
      { who: 'the owner to read', principal: user(), readOnly: true },
      { who: 'the owner to write', principal: user(), readOnly: false },
      { who: 'a non-owner to read', principal: user({ userId: 'u9' }), readOnly: true },
    ],
    (r) => `ownerOrReadOnly allows ${r.who}`,
    ({ principal, readOnly }) => {
      expect(rule.check({ principal, resource: mine, readOnly })).toBe(ALLOW);
    },
  );

  it("ownerOrReadOnly answers 403 to a non-owner's write because the object is visible to them", () => {
    expect(rule.check({ principal: user(), resource: theirs, readOnly: false })).toEqual(writeRefused);
  });

  it('ownerOrReadOnly treats a request without readOnly as a write', () => {
    expect(rule.check({ principal: user(), resource: theirs })).toEqual(writeRefused);
  });

  it('ownerOrReadOnly answers 403 to a staff non-owner who writes', () => {
    expect(rule.check({ principal: staff, resource: mine, readOnly: false })).toEqual(writeRefused);
  });

  it.each([true, false])('ownerOrReadOnly answers 404 when the object was not found (readOnly=%s)', (readOnly) => {
    expect(rule.check({ principal: user(), resource: null, readOnly })).toEqual(missing);
  });

  it.each([true, false])('ownerOrReadOnly throws when the resource was not loaded (readOnly=%s)', (readOnly) => {
    expect(() => rule.check({ principal: user(), readOnly })).toThrow('rule ownerOrReadOnly needs a loaded resource');
  });

  it('ownerOrReadOnly carries its loader', () => {
    expect(rule.load).toBe(loadProduct);
  });
});

describe('permission', () => {
  it.each([
    ['products:update', 'Permission denied. You do not have permission to update products.'],
    ['orders:read', 'Permission denied. You do not have permission to read orders.'],
    ['store-members:delete', 'Permission denied. You do not have permission to delete store-members.'],
  ])('permission(%j) refuses with the message %j', (required, message) => {
    expect(permission(required).check({ principal: user(), grants: grantsOf() })).toEqual({
      allowed: false,
      status: 403,
      reason: { rule: 'permission', required, message },
    });
  });

  it('permission allows a caller granted exactly that permission', () => {
    expect(permission('products:update').check({ principal: user(), grants: grantsOf('products:update') })).toBe(ALLOW);
  });

  it('permission refuses with 403 when the server resolved no grants', () => {
    expect(permission('products:update').check({ principal: user() })).toMatchObject({
      allowed: false,
      status: 403,
      reason: { rule: 'permission', required: 'products:update' },
    });
  });

  it('permission refuses a caller granted only a different action on the same resource', () => {
    expect(permission('products:update').check({ principal: user(), grants: grantsOf('products:read') })).toMatchObject(
      { allowed: false, status: 403 },
    );
  });

  it('permission refuses a staff user without the grant (staff is not a wildcard)', () => {
    expect(permission('products:update').check({ principal: staff, grants: grantsOf() })).toMatchObject({
      status: 403,
    });
  });

  it('permission honours wildcards through compiled roles', () => {
    const roles = compileRoles({ EDITOR: ['products:*'], ROOT: ['*'], VIEWER: ['products:read'] });
    const rule = permission('products:update');
    expect(rule.check({ principal: user(), grants: roles.grantsOf(['EDITOR']) })).toBe(ALLOW);
    expect(rule.check({ principal: user(), grants: roles.grantsOf(['ROOT']) })).toBe(ALLOW);
    expect(rule.check({ principal: user(), grants: roles.grantsOf(['VIEWER']) })).toMatchObject({ status: 403 });
    expect(rule.check({ principal: user(), grants: roles.grantsOf(['VIEWER', 'EDITOR']) })).toBe(ALLOW);
  });

  it('permission is labelled with the permission in backticks', () => {
    expect(permission('products:update').label).toBe('`products:update`');
    expect(permission('products:update').kind).toBe('permission');
  });
});

describe('and', () => {
  it('and allows when every rule allows', () => {
    expect(and(authenticated, proTier, hasCredits).check({ principal: user({ tier: 'pro', credits: 5 }) })).toBe(ALLOW);
  });

  it('and answers with the first refusal in declaration order', () => {
    const d = and(authenticated, admin, proTier).check({ principal: user() });
    expect(d).toMatchObject({ allowed: false, status: 403, reason: { rule: 'admin' } });
  });

  it('and stops at the first refusal without checking later rules', () => {
    // owner would throw on the missing resource if and() went on past admin's refusal.
    expect(and(admin, owner(loadProduct)).check({ principal: user() })).toMatchObject({ reason: { rule: 'admin' } });
  });

  it('and answers 401 without a principal', () => {
    expect(and(authenticated, owner(loadProduct)).check({ principal: null })).toEqual(
      unauthenticatedReason('authenticated'),
    );
  });

  it('and of a public rule and a principal rule needs a principal', () => {
    expect(and(allowAny, admin).needsPrincipal).toBe(true);
    expect(and(allowAny, allowAny).needsPrincipal).toBe(false);
  });

  it('and without rules is refused at declaration', () => {
    expect(() => and()).toThrow('and() needs at least one rule');
  });
});

describe('or', () => {
  it('or allows when any rule allows', () => {
    expect(or(admin, owner(loadProduct)).check({ principal: user(), resource: mine })).toBe(ALLOW);
    expect(or(admin, owner(loadProduct)).check({ principal: staff, resource: mine })).toBe(ALLOW);
  });

  it('or stops at the first rule that allows', () => {
    // owner would throw on the missing resource if or() went on past admin's approval.
    expect(or(admin, owner(loadProduct)).check({ principal: staff })).toBe(ALLOW);
  });

  const a401 = refusal(401, 'first401');
  const b401 = refusal(401, 'second401');
  const a404 = refusal(404, 'first404');
  const a403 = refusal(403, 'first403');
  const b403 = refusal(403, 'second403');

  cases(
    [
      { refusals: [a401, a404], picked: a404, name: '404 over 401' },
      { refusals: [a404, a401], picked: a404, name: '404 over 401 whatever the order' },
      { refusals: [a404, a403], picked: a403, name: '403 over 404' },
      { refusals: [a403, a404], picked: a403, name: '403 over 404 whatever the order' },
      { refusals: [a401, a403], picked: a403, name: '403 over 401' },
      { refusals: [a401, a404, a403], picked: a403, name: '403 over 404 and 401' },
      { refusals: [a403, b403], picked: a403, name: 'the first of two 403s' },
      { refusals: [a401, b401], picked: a401, name: 'the first of two 401s' },
    ],
    (r) => `or picks ${r.name} when every rule refuses`,
    ({ refusals, picked }) => {
      expect(or(...refusals.map((d) => fixed(d))).check({ principal: user() })).toBe(picked);
    },
  );

  it("or answers a signed-in non-staff caller 403 rather than owner's 404", () => {
    expect(or(owner(loadProduct), admin).check({ principal: user(), resource: theirs })).toMatchObject({
      status: 403,
      reason: { rule: 'admin' },
    });
  });

  it('or answers 401 when no principal is present and every rule needs one', () => {
    expect(or(admin, proTier).check({ principal: null })).toEqual(unauthenticatedReason('admin'));
  });

  it('or needs a principal only when every rule needs one', () => {
    expect(or(admin, proTier).needsPrincipal).toBe(true);
    expect(or(allowAny, admin).needsPrincipal).toBe(false);
  });

  it('or without rules is refused at declaration', () => {
    expect(() => or()).toThrow('or() needs at least one rule');
  });
});

describe('not', () => {
  it('not allows when the rule refuses', () => {
    expect(not(admin).check({ principal: user() })).toBe(ALLOW);
  });

  it('not refuses with 403 Forbidden when the rule allows', () => {
    expect(not(admin).check({ principal: staff })).toEqual({
      allowed: false,
      status: 403,
      reason: { rule: 'not', required: 'not Admin', message: 'Forbidden' },
    });
  });

  cases(
    [
      { name: 'not(admin)', rule: not(admin) },
      { name: 'not(proTier)', rule: not(proTier) },
      { name: 'not(authenticated)', rule: not(authenticated) },
      { name: 'not(not(admin))', rule: not(not(admin)) },
    ],
    (r) => `${r.name} answers 401 to a caller without a principal instead of inverting the refusal`,
    ({ rule }) => {
      expect(rule.needsPrincipal).toBe(true);
      expect(rule.check({ principal: null })).toEqual(unauthenticatedReason('not'));
    },
  );

  it('not of a public rule refuses everyone, even anonymous callers, with 403', () => {
    expect(not(allowAny).check({ principal: null })).toMatchObject({ allowed: false, status: 403 });
    expect(not(allowAny).check({ principal: user() })).toMatchObject({ allowed: false, status: 403 });
  });

  it('not(not(rule)) allows whom the rule allows and refuses the others', () => {
    const rule = not(not(admin));
    expect(rule.check({ principal: staff })).toBe(ALLOW);
    expect(rule.check({ principal: user() })).toMatchObject({ allowed: false, status: 403, reason: { rule: 'not' } });
  });

  it('not(owner) lets a non-owner through and refuses the owner', () => {
    const rule = not(owner(loadProduct));
    expect(rule.check({ principal: user(), resource: theirs })).toBe(ALLOW);
    expect(rule.check({ principal: user(), resource: mine })).toMatchObject({ status: 403 });
  });
});

describe('load propagation', () => {
  cases(
    [
      { name: 'and(authenticated, owner)', rule: and(authenticated, owner(loadProduct)) },
      { name: 'and(owner, authenticated)', rule: and(owner(loadProduct), authenticated) },
      { name: 'or(admin, ownerOrAdmin)', rule: or(admin, ownerOrAdmin(loadProduct)) },
      { name: 'not(owner)', rule: not(owner(loadProduct)) },
      { name: 'and(proTier, or(admin, ownerOrReadOnly))', rule: and(proTier, or(admin, ownerOrReadOnly(loadProduct))) },
      { name: 'not(and(authenticated, owner))', rule: not(and(authenticated, owner(loadProduct))) },
    ],
    (r) => `${r.name} carries the loader of its object-level child`,
    ({ rule }) => {
      expect(rule.load).toBe(loadProduct);
    },
  );

  it('a combinator of two object-level rules carries the first loader', () => {
    expect(and(owner(loadProduct), owner(loadOrder)).load).toBe(loadProduct);
    expect(or(owner(loadOrder), owner(loadProduct)).load).toBe(loadOrder);
  });

  it('a combinator without object-level rules has no loader at all', () => {
    for (const rule of [and(authenticated, proTier), or(admin, apiKey), not(admin)]) {
      expect(rule.load).toBeUndefined();
      expect('load' in rule).toBe(false);
    }
  });

  it('leaf rules other than the object-level ones have no loader', () => {
    for (const rule of [allowAny, authenticated, admin, proTier, enterpriseTier, apiKey, hasCredits, permission('a:b')]) {
      expect(rule.load).toBeUndefined();
    }
  });
});

describe('labels', () => {
  cases(
    [
      { name: 'allowAny', rule: allowAny, label: 'Public' },
      { name: 'authenticated', rule: authenticated, label: 'Authenticated' },
      { name: 'owner', rule: owner(loadProduct), label: 'Owner' },
      { name: 'admin', rule: admin, label: 'Admin' },
      { name: 'proTier', rule: proTier, label: 'Pro Tier' },
      { name: 'enterpriseTier', rule: enterpriseTier, label: 'Enterprise' },
      { name: 'apiKey', rule: apiKey, label: 'API Key' },
      { name: 'hasCredits', rule: hasCredits, label: 'Has Credits' },
      { name: 'ownerOrAdmin', rule: ownerOrAdmin(loadProduct), label: 'Owner or Admin' },
      { name: 'ownerOrReadOnly', rule: ownerOrReadOnly(loadProduct), label: 'Owner (others read-only)' },
      { name: "permission('products:update')", rule: permission('products:update'), label: '`products:update`' },
      { name: 'and(authenticated, proTier)', rule: and(authenticated, proTier), label: 'Authenticated + Pro Tier' },
      { name: 'or(owner, admin)', rule: or(owner(loadProduct), admin), label: 'Owner or Admin' },
      {
        name: 'and(proTier, hasCredits, apiKey)',
        rule: and(proTier, hasCredits, apiKey),
        label: 'Pro Tier + Has Credits + API Key',
      },
      {
        name: "and(enterpriseTier, permission('orders:read'))",
        rule: and(enterpriseTier, permission('orders:read')),
        label: 'Enterprise + `orders:read`',
      },
      { name: 'not(admin)', rule: not(admin), label: 'not Admin' },
    ],
    (r) => `${r.name} is labelled "${r.label}"`,
    ({ rule, label }) => {
      expect(rule.label).toBe(label);
    },
  );

  cases(
    [
      { rule: and(authenticated, proTier), kind: 'and', children: [authenticated, proTier] },
      { rule: or(admin, proTier), kind: 'or', children: [admin, proTier] },
      { rule: not(admin), kind: 'not', children: [admin] },
    ],
    (r) => `the ${r.kind} combinator has kind "${r.kind}" and keeps its children in order`,
    ({ rule, kind, children }) => {
      expect(rule.kind).toBe(kind);
      expect(rule.children).toEqual(children);
      rule.children.forEach((c, i) => expect(c).toBe(children[i]));
    },
  );
});

describe('explain', () => {
  const rule = and(authenticated, or(admin, owner(loadProduct)), proTier);

  it('explain shows every node as allowed when the rule allows', () => {
    expect(explain(rule, { principal: user({ tier: 'pro' }), resource: mine })).toEqual({
      kind: 'and',
      label: 'Authenticated + Admin or Owner + Pro Tier',
      allowed: true,
      children: [
        { kind: 'authenticated', label: 'Authenticated', allowed: true, children: [] },
        {
          kind: 'or',
          label: 'Admin or Owner',
          allowed: true,
          children: [
            {
              kind: 'admin',
              label: 'Admin',
              allowed: false,
              status: 403,
              reason: { rule: 'admin', required: 'staff user', message: 'Admin access required.' },
              children: [],
            },
            { kind: 'owner', label: 'Owner', allowed: true, children: [] },
          ],
        },
        { kind: 'proTier', label: 'Pro Tier', allowed: true, children: [] },
      ],
    });
  });

  it('explain evaluates every child, even past the refusal and() stops at', () => {
    const e = explain(rule, { principal: user(), resource: theirs });
    expect(e).toMatchObject({ allowed: false, status: 403, reason: { rule: 'admin' } });
    expect(e.children.map((c) => [c.kind, c.allowed, c.status])).toEqual([
      ['authenticated', true, undefined],
      ['or', false, 403],
      ['proTier', false, 403],
    ]);
    expect(e.children[1]?.children.map((c) => [c.kind, c.status])).toEqual([
      ['admin', 403],
      ['owner', 404],
    ]);
  });

  it('explain leaves status and reason off allowed nodes', () => {
    const e = explain(authenticated, { principal: user() });
    expect(e).toEqual({ kind: 'authenticated', label: 'Authenticated', allowed: true, children: [] });
    expect('status' in e).toBe(false);
    expect('reason' in e).toBe(false);
  });

  it('explain shows 401 everywhere for a caller without a principal', () => {
    const e = explain(and(authenticated, proTier), { principal: null });
    expect(e.status).toBe(401);
    expect(e.children.map((c) => c.status)).toEqual([401, 401]);
  });

  it('explain of not shows the inner rule allowing while not refuses', () => {
    const e = explain(not(admin), { principal: staff });
    expect(e).toMatchObject({ kind: 'not', allowed: false, status: 403, children: [{ kind: 'admin', allowed: true }] });
  });
});

describe('isAccessRule', () => {
  cases(
    [allowAny, authenticated, owner(loadProduct), and(admin, proTier), permission('a:b')],
    (rule) => `isAccessRule recognises the "${rule.label}" rule`,
    (rule) => {
      expect(isAccessRule(rule)).toBe(true);
    },
  );

  cases(
    [
      { name: 'null', value: null },
      { name: 'undefined', value: undefined },
      { name: 'a number', value: 42 },
      { name: 'a string', value: 'admin' },
      { name: 'an empty object', value: {} },
      { name: 'an object with a kind but no check', value: { kind: 'admin' } },
      { name: 'an object with a check but no kind', value: { check: () => ALLOW } },
    ],
    (r) => `isAccessRule rejects ${r.name}`,
    ({ value }) => {
      expect(isAccessRule(value)).toBe(false);
    },
  );
});
