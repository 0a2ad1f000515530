import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { NO_GRANTS, compileRoles, matches, type PermissionTable } from './rbac.ts';

type Role = 'OWNER' | 'ADMIN' | 'EDITOR' | 'MEMBER' | 'BILLING' | 'NOBODY';

const table: PermissionTable<Role> = {
  OWNER: ['*'],
  ADMIN: ['products:*', 'orders:*', 'members:read'],
  EDITOR: ['products:read', 'products:update'],
  MEMBER: ['products:read', 'orders:read'],
  BILLING: ['invoices:*'],
  NOBODY: [],
};

const roles = compileRoles(table);

/** Table-driven tests whose names are full sentences (vitest's `$field` quotes and truncates them). */
function cases<T>(rows: readonly T[], name: (row: T) => string, fn: (row: T) => void): void {
  for (const row of rows) it(name(row), () => fn(row));
}

describe('compileRoles: has', () => {
  cases(
    [
      { role: 'EDITOR', permission: 'products:update', granted: true, why: 'an exact pattern' },
      { role: 'EDITOR', permission: 'products:read', granted: true, why: 'an exact pattern' },
      { role: 'EDITOR', permission: 'products:delete', granted: false, why: 'no pattern for that action' },
      { role: 'MEMBER', permission: 'orders:update', granted: false, why: 'reads only' },
      { role: 'ADMIN', permission: 'products:delete', granted: true, why: 'products:*' },
      { role: 'ADMIN', permission: 'orders:refund', granted: true, why: 'orders:*' },
      { role: 'ADMIN', permission: 'members:delete', granted: false, why: 'an exact read only' },
      { role: 'ADMIN', permission: 'invoices:read', granted: false, why: 'another resource' },
      { role: 'ADMIN', permission: 'productsx:read', granted: false, why: 'a resource that only shares a prefix' },
      { role: 'BILLING', permission: 'invoices:pay', granted: true, why: 'invoices:*' },
      { role: 'OWNER', permission: 'products:update', granted: true, why: '*' },
      { role: 'OWNER', permission: 'anything:at-all', granted: true, why: '*' },
      { role: 'NOBODY', permission: 'products:read', granted: false, why: 'no patterns' },
    ] as const,
    (r) => `${r.role} ${r.granted ? 'is granted' : 'is not granted'} ${r.permission} (${r.why})`,
    ({ role, permission, granted }) => {
      expect(roles.has(role, permission)).toBe(granted);
    },
  );

  it('has answers false for a role that is not in the table', () => {
    expect(roles.has('GHOST' as Role, 'products:read')).toBe(false);
  });

  it('has answers false for a permission without an action, even with a resource wildcard', () => {
    expect(roles.has('ADMIN', 'products')).toBe(false);
  });

  it('compileRoles lists the roles in declaration order', () => {
    expect(roles.roles).toEqual(['OWNER', 'ADMIN', 'EDITOR', 'MEMBER', 'BILLING', 'NOBODY']);
  });

  it('patterns returns what a role was declared with, wildcards kept', () => {
    expect(roles.patterns('ADMIN')).toEqual(['products:*', 'orders:*', 'members:read']);
    expect(roles.patterns('OWNER')).toEqual(['*']);
    expect(roles.patterns('NOBODY')).toEqual([]);
  });

  it('patterns returns a copy the caller cannot use to change the role', () => {
    (roles.patterns('MEMBER') as string[]).push('orders:delete');
    expect(roles.has('MEMBER', 'orders:delete')).toBe(false);
  });
});

describe('compileRoles: validation', () => {
  it.each(['products', ':x', 'a:b:c', 'x:', '', ':', ':*', 'products:read:own'])(
    'compileRoles rejects the pattern %j',
    (pattern) => {
      expect(() => compileRoles({ BAD: [pattern] })).toThrow(
        `invalid permission pattern "${pattern}": expected resource:action, resource:* or *`,
      );
    },
  );

  it.each(['*', 'products:*', 'products:read', 'store-members:invite'])('compileRoles accepts the pattern %j', (pattern) => {
    expect(() => compileRoles({ OK: [pattern] })).not.toThrow();
  });

  it('compileRoles rejects a table when any one role has an invalid pattern', () => {
    expect(() => compileRoles({ GOOD: ['products:read'], BAD: ['products:read', 'orders'] })).toThrow(/"orders"/);
  });
});

describe('compileRoles: grantsOf', () => {
  it('grantsOf one role grants what that role grants', () => {
    const g = roles.grantsOf(['EDITOR']);
    expect(g.has('products:update')).toBe(true);
    expect(g.has('orders:read')).toBe(false);
  });

  it('grantsOf several roles grants the union of their permissions', () => {
    const g = roles.grantsOf(['MEMBER', 'EDITOR', 'BILLING']);
    expect(g.has('orders:read')).toBe(true); // MEMBER
    expect(g.has('products:update')).toBe(true); // EDITOR
    expect(g.has('invoices:void')).toBe(true); // BILLING's wildcard
    expect(g.has('orders:update')).toBe(false); // nobody
  });

  it('grantsOf keeps the * wildcard of one role in a union', () => {
    const g = roles.grantsOf(['MEMBER', 'OWNER']);
    expect(g.has('members:delete')).toBe(true);
  });

  it('grantsOf no roles grants nothing', () => {
    const g = roles.grantsOf([]);
    expect(g).toBe(NO_GRANTS);
    expect(g.has('products:read')).toBe(false);
    expect(g.has('*')).toBe(false);
  });

  it('grantsOf a role without patterns grants nothing', () => {
    expect(roles.grantsOf(['NOBODY']).has('products:read')).toBe(false);
  });

  it('grantsOf ignores roles that are not in the table', () => {
    expect(roles.grantsOf(['GHOST' as Role]).has('products:read')).toBe(false);
    const g = roles.grantsOf(['GHOST' as Role, 'MEMBER']);
    expect(g.has('products:read')).toBe(true);
    expect(g.has('products:update')).toBe(false);
  });

  it('grantsOf accepts any iterable of roles, such as a Set or a generator', () => {
    function* userRoles(): Generator<Role> {
      yield 'MEMBER';
      yield 'BILLING';
    }
    expect(roles.grantsOf(new Set<Role>(['EDITOR'])).has('products:update')).toBe(true);
    const g = roles.grantsOf(userRoles());
    expect(g.has('orders:read')).toBe(true);
    expect(g.has('invoices:send')).toBe(true);
  });

  it('grantsOf the same role twice grants what it grants once', () => {
    const g = roles.grantsOf(['EDITOR', 'EDITOR']);
    expect(g.has('products:update')).toBe(true);
    expect(g.has('products:delete')).toBe(false);
  });
});

describe('matches', () => {
  it.each([
    ['*', 'products:read', true],
    ['*', 'anything', true],
    ['products:read', 'products:read', true],
    ['products:read', 'products:update', false],
    ['products:*', 'products:update', true],
    ['products:*', 'products:', true],
    ['products:*', 'orders:update', false],
    ['products:*', 'productsx:update', false],
    ['products:*', 'products', false],
    ['orders:read', 'products:read', false],
  ])('matches(%j, %j) is %s', (pattern, permission, expected) => {
    expect(matches(pattern, permission)).toBe(expected);
  });
});

describe('compileRoles agrees with matches (property)', () => {
  const resource = fc.constantFrom('products', 'orders', 'members', 'p', 'productsx');
  const action = fc.constantFrom('read', 'update', 'delete', 'r', '*');
  const pattern = fc.oneof(
    { weight: 1, arbitrary: fc.constant('*') },
    { weight: 8, arbitrary: fc.tuple(resource, action).map(([r, a]) => `${r}:${a}`) },
  );
  const roleName = fc.constantFrom('OWNER', 'ADMIN', 'EDITOR', 'MEMBER', 'VIEWER', 'BILLING', 'SUPPORT');
  const roleTable = fc.dictionary(roleName, fc.array(pattern, { maxLength: 5 }), { maxKeys: 7 });
  const permission = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(resource, action).map(([r, a]) => `${r}:${a}`) },
    // Odd shapes a caller might ask about: no action, empty parts, extra colons, a bare wildcard, free text.
    {
      weight: 2,
      arbitrary: fc.constantFrom('products', 'products:', ':read', ':', '*', 'products:read:own', 'orders:*:x', ''),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  );

  it('has(role, p) equals some declared pattern of role matching p', () => {
    fc.assert(
      fc.property(roleTable, roleName, permission, (t, role, p) => {
        const compiled = compileRoles(t);
        const expected = (t[role] ?? []).some((pat) => matches(pat, p));
        expect(compiled.has(role, p)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('grantsOf(roles).has(p) equals some listed role having p', () => {
    fc.assert(
      fc.property(roleTable, fc.array(roleName, { maxLength: 4 }), permission, (t, list, p) => {
        const compiled = compileRoles(t);
        expect(compiled.grantsOf(list).has(p)).toBe(list.some((role) => compiled.has(role, p)));
      }),
      { numRuns: 2000 },
    );
  });
});
