import { describe, expect, it } from 'vitest';
import {
  COMMERCE_PERMISSIONS,
  COMMERCE_PERMISSION_TABLE,
  COMMERCE_RBAC,
  COMMERCE_RESOURCES,
  COMMERCE_ROLES,
  FIELD_WRITES,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  forbiddenFields,
  grantableBy,
  missingToGrant,
  orderTransition,
  permissionsOfRole,
  rateCategoryOf,
  scopeOfRole,
  writableFields,
  type CommerceRole,
  type CommerceResource,
} from './commerce.ts';

const has = (role: CommerceRole, p: string) => COMMERCE_RBAC.has(role, p);

describe('the commerce roles', () => {
  it('are the 13 roles of the spec, in the matrix order', () => {
    expect(COMMERCE_ROLES).toEqual([
      'SUPER_ADMIN', 'OWNER', 'ADMIN', 'MEMBER', 'VIEWER', 'STORE_ADMIN', 'SALES_MANAGER', 'INVENTORY_MANAGER',
      'CUSTOMER_SERVICE', 'CONTENT_MANAGER', 'MARKETING_MANAGER', 'DELIVERY_BOY', 'CUSTOMER',
    ]);
    expect(Object.keys(COMMERCE_PERMISSION_TABLE)).toEqual([...COMMERCE_ROLES]);
  });

  it('hold in the scopes CONTRACT.md gives them', () => {
    expect(COMMERCE_ROLES.map(scopeOfRole)).toEqual([
      'platform', 'organization', 'organization', 'organization', 'organization',
      'store', 'store', 'store', 'store', 'store', 'store', 'store', 'customer',
    ]);
  });
});

// The spec's "Complete Permission List", row by row (SUPER_ADMIN, OWNER, ADMIN, MEMBER, VIEWER).
const COMPLETE_LIST: Array<[string, boolean, boolean, boolean, boolean, boolean]> = [
  ['org:read', true, true, true, true, true],
  ['org:update', true, true, true, false, false],
  ['org:delete', true, true, false, false, false],
  ['stores:create', true, true, true, false, false],
  ['stores:read', true, true, true, true, true],
  ['stores:update', true, true, true, false, false],
  ['stores:delete', true, true, true, false, false],
  ['products:create', true, true, true, false, false],
  ['products:read', true, true, true, true, true],
  ['products:update', true, true, true, false, false],
  ['products:delete', true, true, true, false, false],
];

describe('the Complete Permission List of the spec', () => {
  for (const [p, ...cells] of COMPLETE_LIST) {
    it(`${p} is granted exactly as the spec's row says`, () => {
      const roles = ['SUPER_ADMIN', 'OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const;
      expect(roles.map((r) => has(r, p))).toEqual(cells);
    });
  }

  it('stores:* and products:* belong to SUPER_ADMIN, OWNER and ADMIN only', () => {
    for (const res of ['stores', 'products']) {
      const full = COMMERCE_ROLES.filter((r) => ['create', 'read', 'update', 'delete'].every((a) => has(r, `${res}:${a}`)));
      if (res === 'stores') expect(full).toEqual(['SUPER_ADMIN', 'OWNER', 'ADMIN']);
      else expect(full).toEqual(['SUPER_ADMIN', 'OWNER', 'ADMIN', 'STORE_ADMIN', 'INVENTORY_MANAGER']);
    }
  });
});

// The spec's "Role Permission Matrix", written out as the concrete actions each cell means.
const C = ['create', 'read', 'update', 'delete'];
const R = ['read'];
const U = ['read', 'update'];
const CU = ['create', 'read', 'update'];
const OWN = ['create', 'read', 'update'];
const N: string[] = [];
const MATRIX: Record<Exclude<CommerceRole, 'SUPER_ADMIN'>, [string[], string[], string[], string[]]> = {
  OWNER: [C, C, C, C],
  ADMIN: [C, C, C, C],
  MEMBER: [R, R, R, R],
  VIEWER: [R, R, N, N],
  STORE_ADMIN: [R, C, C, C],
  SALES_MANAGER: [N, U, C, C],
  INVENTORY_MANAGER: [N, C, R, N],
  CUSTOMER_SERVICE: [N, R, U, C],
  CONTENT_MANAGER: [N, CU, N, N],
  MARKETING_MANAGER: [N, R, N, R],
  DELIVERY_BOY: [N, N, R, R],
  CUSTOMER: [N, R, OWN, N],
};

describe('the Role Permission Matrix of the spec', () => {
  for (const [role, [stores, products, orders, customers]] of Object.entries(MATRIX) as Array<[CommerceRole, string[][]]>) {
    it(`${role} holds exactly its matrix row on stores, products (and categories, brands), orders and customers`, () => {
      const actions = (res: string) => C.filter((a) => has(role, `${res}:${a}`));
      expect(actions('stores')).toEqual(stores);
      expect(actions('products')).toEqual(products);
      expect(actions('categories')).toEqual(products);
      expect(actions('brands')).toEqual(products);
      expect(actions('orders')).toEqual(orders);
      expect(actions('customers')).toEqual(customers);
    });
  }

  it('gives store roles and CUSTOMER no organization permission', () => {
    for (const r of COMMERCE_ROLES.filter((x) => scopeOfRole(x) === 'store' || x === 'CUSTOMER')) {
      expect(permissionsOfRole(r).filter((p) => p.startsWith('org:'))).toEqual([]);
    }
  });

  it('gives SUPER_ADMIN every permission', () => {
    expect(permissionsOfRole('SUPER_ADMIN')).toEqual([...COMMERCE_PERMISSIONS]);
  });
});

describe('field-level write allow-lists', () => {
  it('exist exactly for the resources a role may update', () => {
    for (const role of COMMERCE_ROLES) {
      for (const res of ['org', ...COMMERCE_RESOURCES] as CommerceResource[]) {
        const canUpdate = has(role, `${res}:update`);
        const list = FIELD_WRITES[role][res];
        expect(list !== undefined && (list === '*' || list.length > 0), `${role} ${res}`).toBe(canUpdate);
      }
    }
  });

  it('let SALES_MANAGER change prices but not the sku or the stock', () => {
    expect(forbiddenFields(['SALES_MANAGER'], 'products', ['price', 'compareAtPrice'])).toEqual([]);
    expect(forbiddenFields(['SALES_MANAGER'], 'products', ['price', 'sku', 'inventoryQuantity'])).toEqual(['sku', 'inventoryQuantity']);
  });

  it('let INVENTORY_MANAGER change stock but not prices', () => {
    expect(forbiddenFields(['INVENTORY_MANAGER'], 'products', ['inventoryQuantity', 'sku'])).toEqual([]);
    expect(forbiddenFields(['INVENTORY_MANAGER'], 'products', ['price', 'compareAtPrice'])).toEqual(['price', 'compareAtPrice']);
  });

  it('unite the lists of several roles, and a full writer lifts every restriction', () => {
    expect(forbiddenFields(['SALES_MANAGER', 'INVENTORY_MANAGER'], 'products', ['price', 'inventoryQuantity'])).toEqual([]);
    expect(writableFields(['CONTENT_MANAGER', 'STORE_ADMIN'], 'products')).toBe('*');
  });

  it('ignore the list of a role without the update permission', () => {
    expect(writableFields(['MEMBER', 'DELIVERY_BOY'], 'products')).toEqual(new Set());
    expect(forbiddenFields(['CUSTOMER'], 'orders', ['status'])).toEqual([]);
    expect(forbiddenFields(['CUSTOMER'], 'orders', ['notes'])).toEqual(['notes']);
  });
});

describe('the escalation guard', () => {
  it('lets OWNER grant every organization and store role and CUSTOMER', () => {
    expect(grantableBy('OWNER')).toEqual(COMMERCE_ROLES.filter((r) => r !== 'SUPER_ADMIN'));
  });

  it('does not let ADMIN grant OWNER, because OWNER carries org:delete', () => {
    expect(grantableBy('ADMIN')).not.toContain('OWNER');
    expect(grantableBy('ADMIN')).toContain('ADMIN');
    expect(missingToGrant(COMMERCE_RBAC.grantsOf(['ADMIN']), 'OWNER')).toEqual(['org:delete']);
  });

  it('lets STORE_ADMIN hand out only roles within its own permissions', () => {
    const g = grantableBy('STORE_ADMIN');
    expect(g).toEqual(expect.arrayContaining(['STORE_ADMIN', 'SALES_MANAGER', 'INVENTORY_MANAGER', 'DELIVERY_BOY', 'CUSTOMER']));
    expect(g).not.toContain('ADMIN');
    expect(g).not.toContain('MEMBER'); // MEMBER carries org:read
  });

  it('lets a read-only role grant nothing but what it holds', () => {
    expect(grantableBy('MEMBER')).toEqual(['MEMBER', 'VIEWER', 'MARKETING_MANAGER', 'DELIVERY_BOY']);
    expect(grantableBy('DELIVERY_BOY')).toEqual(['DELIVERY_BOY']);
  });

  it('never lets anyone grant SUPER_ADMIN through roles', () => {
    for (const r of COMMERCE_ROLES) expect(grantableBy(r)).not.toContain('SUPER_ADMIN');
  });
});

describe('per-role rate categories', () => {
  it('count CUSTOMER apart from staff, and staff wins when a caller holds both', () => {
    expect(rateCategoryOf(['CUSTOMER'])).toBe('customer');
    expect(rateCategoryOf(['CUSTOMER', 'DELIVERY_BOY'])).toBe('staff');
    expect(rateCategoryOf(['SUPER_ADMIN'])).toBe('staff');
    expect(rateCategoryOf([])).toBeNull();
  });
});

describe('order status transitions', () => {
  const legal: Array<[string, string]> = [
    ['PENDING', 'PAID'],
    ['PAID', 'FULFILLED'],
    ['FULFILLED', 'DELIVERED'],
    ['PENDING', 'CANCELLED'],
    ['PAID', 'CANCELLED'],
  ];

  it('allow exactly PENDING → PAID → FULFILLED → DELIVERED and CANCELLED from PENDING or PAID', () => {
    const all: Array<[string, string]> = [];
    for (const from of ORDER_STATUSES) for (const to of ORDER_TRANSITIONS[from]) all.push([from, to]);
    expect(all.sort()).toEqual([...legal].sort());
  });

  for (const from of ORDER_STATUSES) {
    for (const to of ORDER_STATUSES) {
      const isLegal = legal.some(([a, b]) => a === from && b === to);
      it(`${from} → ${to} is ${isLegal ? 'allowed to STORE_ADMIN' : 'illegal for everyone'}${from === 'PENDING' && to === 'CANCELLED' ? ' and to CUSTOMER' : ''}`, () => {
        expect(orderTransition(['STORE_ADMIN'], from, to)).toBe(isLegal ? 'allowed' : 'illegal');
        const customer = orderTransition(['CUSTOMER'], from, to);
        expect(customer).toBe(!isLegal ? 'illegal' : from === 'PENDING' && to === 'CANCELLED' ? 'allowed' : 'forbidden');
      });
    }
  }

  it('refuse roles that cannot update orders at all', () => {
    expect(orderTransition(['DELIVERY_BOY', 'MARKETING_MANAGER'], 'FULFILLED', 'DELIVERED')).toBe('forbidden');
    expect(orderTransition(['CUSTOMER_SERVICE'], 'FULFILLED', 'DELIVERED')).toBe('allowed');
  });
});
