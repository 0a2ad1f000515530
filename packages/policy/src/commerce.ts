/**
 * The commerce spec's roles and permissions, as data (spec/api-permissions-commerce.md, "Role Permission Matrix" and
 * "Complete Permission List"; CONTRACT.md, "Commerce roles").
 *
 * ROLE_MATRIX below is the spec's matrix cell for cell; the permission table is derived from it by one small rule per
 * cell value, plus the `org:*` rows. Everything else in this file is data the spec's "Future Enhancements" ask for:
 * field-level write allow-lists, who may grant which role, a rate category per role, and which order status
 * changes a role may make.
 */
import { compileRoles, type PermissionTable } from './rbac.ts';
import type { Grants } from './rules.ts';

export * from './commerce-products.ts';

export const ORGANIZATION_ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const;
export const STORE_ROLES = [
  'STORE_ADMIN',
  'SALES_MANAGER',
  'INVENTORY_MANAGER',
  'CUSTOMER_SERVICE',
  'CONTENT_MANAGER',
  'MARKETING_MANAGER',
  'DELIVERY_BOY',
] as const;
/** The 13 roles, in the spec's matrix order. */
export const COMMERCE_ROLES = ['SUPER_ADMIN', ...ORGANIZATION_ROLES, ...STORE_ROLES, 'CUSTOMER'] as const;

export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];
export type StoreRole = (typeof STORE_ROLES)[number];
export type CommerceRole = (typeof COMMERCE_ROLES)[number];

export const isOrganizationRole = (r: string): r is OrganizationRole => (ORGANIZATION_ROLES as readonly string[]).includes(r);
export const isStoreRole = (r: string): r is StoreRole => (STORE_ROLES as readonly string[]).includes(r);

/** Where a role holds: the platform (staff), an organization (all its stores), one store, or one store as a customer. */
export type RoleScope = 'platform' | 'organization' | 'store' | 'customer';
export function scopeOfRole(role: CommerceRole): RoleScope {
  if (role === 'SUPER_ADMIN') return 'platform';
  if (role === 'CUSTOMER') return 'customer';
  return isOrganizationRole(role) ? 'organization' : 'store';
}

/** Resources with the four CRUD actions. `org` (the organization itself) has read, update and delete only. */
export const COMMERCE_RESOURCES = ['stores', 'products', 'categories', 'brands', 'orders', 'customers'] as const;
export type CommerceResource = (typeof COMMERCE_RESOURCES)[number] | 'org';
export const CRUD_ACTIONS = ['create', 'read', 'update', 'delete'] as const;

/** Every concrete permission the commerce routes can ask for. */
export const COMMERCE_PERMISSIONS: readonly string[] = [
  'org:read',
  'org:update',
  'org:delete',
  ...COMMERCE_RESOURCES.flatMap((r) => CRUD_ACTIONS.map((a) => `${r}:${a}`)),
];

/** The matrix's cell values. "Create/Update" includes read (CONTRACT.md); "Own" is read, place and cancel own orders. */
export type MatrixCell = 'all' | 'createUpdate' | 'update' | 'read' | 'own' | 'none';

/** The spec's "Role Permission Matrix", transcribed. Categories and brands follow the Products column. */
export const ROLE_MATRIX: Readonly<
  Record<Exclude<CommerceRole, 'SUPER_ADMIN'>, { stores: MatrixCell; products: MatrixCell; orders: MatrixCell; customers: MatrixCell }>
> = {
  OWNER: { stores: 'all', products: 'all', orders: 'all', customers: 'all' },
  ADMIN: { stores: 'all', products: 'all', orders: 'all', customers: 'all' },
  MEMBER: { stores: 'read', products: 'read', orders: 'read', customers: 'read' },
  VIEWER: { stores: 'read', products: 'read', orders: 'none', customers: 'none' },
  STORE_ADMIN: { stores: 'read', products: 'all', orders: 'all', customers: 'all' },
  SALES_MANAGER: { stores: 'none', products: 'update', orders: 'all', customers: 'all' },
  INVENTORY_MANAGER: { stores: 'none', products: 'all', orders: 'read', customers: 'none' },
  CUSTOMER_SERVICE: { stores: 'none', products: 'read', orders: 'update', customers: 'all' },
  CONTENT_MANAGER: { stores: 'none', products: 'createUpdate', orders: 'none', customers: 'none' },
  MARKETING_MANAGER: { stores: 'none', products: 'read', orders: 'none', customers: 'read' },
  DELIVERY_BOY: { stores: 'none', products: 'none', orders: 'read', customers: 'read' },
  CUSTOMER: { stores: 'none', products: 'read', orders: 'own', customers: 'none' },
};

/** The spec's "Organization Level" rows (`org:read`, `org:update`, `org:delete`); store roles and CUSTOMER have none. */
export const ORG_PERMISSIONS: Readonly<Record<OrganizationRole, readonly string[]>> = {
  OWNER: ['org:*'],
  ADMIN: ['org:read', 'org:update'],
  MEMBER: ['org:read'],
  VIEWER: ['org:read'],
};

function patternsOf(resource: string, cell: MatrixCell): string[] {
  switch (cell) {
    case 'all':
      return [`${resource}:*`];
    case 'createUpdate':
      return [`${resource}:create`, `${resource}:read`, `${resource}:update`];
    case 'update':
      return [`${resource}:read`, `${resource}:update`];
    case 'read':
      return [`${resource}:read`];
    // Read, place and cancel: the "own" row filter and the order transition table narrow it to the customer's orders.
    case 'own':
      return [`${resource}:read`, `${resource}:create`, `${resource}:update`];
    case 'none':
      return [];
  }
}

function deriveTable(): PermissionTable<CommerceRole> {
  const table = { SUPER_ADMIN: ['*'] } as Record<CommerceRole, string[]>;
  for (const [role, row] of Object.entries(ROLE_MATRIX) as Array<[Exclude<CommerceRole, 'SUPER_ADMIN'>, (typeof ROLE_MATRIX)['OWNER']]>) {
    table[role] = [
      ...(isOrganizationRole(role) ? ORG_PERMISSIONS[role] : []),
      ...patternsOf('stores', row.stores),
      ...patternsOf('products', row.products),
      ...patternsOf('categories', row.products),
      ...patternsOf('brands', row.products),
      ...patternsOf('orders', row.orders),
      ...patternsOf('customers', row.customers),
    ];
  }
  // Keep the matrix order (docs and the console list roles in it).
  const ordered = {} as Record<CommerceRole, string[]>;
  for (const r of COMMERCE_ROLES) ordered[r] = table[r];
  return ordered;
}

export const COMMERCE_PERMISSION_TABLE: PermissionTable<CommerceRole> = deriveTable();
export const COMMERCE_RBAC = compileRoles(COMMERCE_PERMISSION_TABLE);

/** The concrete permissions a role carries, from COMMERCE_PERMISSIONS (wildcards expanded). */
export function permissionsOfRole(role: CommerceRole): string[] {
  return COMMERCE_PERMISSIONS.filter((p) => COMMERCE_RBAC.has(role, p));
}

/**
 * Row filters that narrow a role's permission on a resource to some rows of its scope:
 * CUSTOMER sees only its own orders and only published products (drafts and archived ones are the shop's business).
 */
export type RowFilter = 'own' | { readonly status: string };
export const ROW_FILTERS: Readonly<Partial<Record<CommerceRole, Partial<Record<CommerceResource, RowFilter>>>>> = {
  CUSTOMER: { orders: 'own', products: { status: 'PUBLISHED' } },
};

/**
 * Field-level write allow-lists (the spec's first "Future Enhancement"): which fields of a resource a role may set
 * when it updates one (and, for products, when it creates one: creating sets the same fields). `'*'` is every field.
 * A role without the resource's update permission has no entry. A forbidden field refuses the whole write.
 */
export type FieldList = readonly string[] | '*';
const EVERYTHING: Partial<Record<CommerceResource, FieldList>> = {
  org: '*',
  stores: '*',
  products: '*',
  categories: '*',
  brands: '*',
  orders: '*',
  customers: '*',
};
export const FIELD_WRITES: Readonly<Record<CommerceRole, Partial<Record<CommerceResource, FieldList>>>> = {
  SUPER_ADMIN: EVERYTHING,
  OWNER: EVERYTHING,
  ADMIN: EVERYTHING,
  MEMBER: {},
  VIEWER: {},
  STORE_ADMIN: { products: '*', categories: '*', brands: '*', orders: '*', customers: '*' },
  // Sales: pricing and whether a product is on sale; not its identity (sku) or stock.
  SALES_MANAGER: { products: ['price', 'compareAtPrice', 'status'], categories: '*', brands: '*', orders: '*', customers: '*' },
  // Inventory: everything about the item except what it costs.
  INVENTORY_MANAGER: {
    products: ['name', 'slug', 'sku', 'description', 'inventoryQuantity', 'categoryId', 'brandId', 'status'],
    categories: '*',
    brands: '*',
  },
  CUSTOMER_SERVICE: { orders: '*', customers: '*' },
  // Content: the words and the catalogue placement; neither prices nor stock.
  CONTENT_MANAGER: {
    products: ['name', 'slug', 'sku', 'description', 'categoryId', 'brandId', 'status'],
    categories: '*',
    brands: '*',
  },
  MARKETING_MANAGER: {},
  DELIVERY_BOY: {},
  // Cancelling is the only change a customer makes (see ROLE_ORDER_TRANSITIONS).
  CUSTOMER: { orders: ['status'] },
};

/**
 * The fields the given roles may write on a resource: the union over the roles that hold `<resource>:update`.
 * Returns `'*'` when one of them may write everything.
 */
export function writableFields(roles: Iterable<CommerceRole>, resource: CommerceResource): ReadonlySet<string> | '*' {
  const out = new Set<string>();
  for (const role of roles) {
    if (!COMMERCE_RBAC.has(role, `${resource}:update`)) continue;
    const list = FIELD_WRITES[role][resource];
    if (list === '*') return '*';
    for (const f of list ?? []) out.add(f);
  }
  return out;
}

/** The fields of `written` that `roles` may not write on `resource`, in the order given. */
export function forbiddenFields(roles: Iterable<CommerceRole>, resource: CommerceResource, written: Iterable<string>): string[] {
  const allowed = writableFields(roles, resource);
  if (allowed === '*') return [];
  return [...written].filter((f) => !allowed.has(f));
}

/**
 * Escalation guard: granting (or taking away) a role requires holding, in the same scope, every permission the role
 * carries. So an ADMIN cannot make an OWNER (`org:delete`), and cannot demote or remove one either.
 * Returns the permissions the granter lacks (empty = allowed).
 */
export function missingToGrant(granter: Grants, role: CommerceRole): string[] {
  return permissionsOfRole(role).filter((p) => !granter.has(p));
}

/**
 * Who manages the link between a customer record and a user account (inviting a user to it, unlinking it, seeing
 * which account it is): whoever may update customers AND could grant the CUSTOMER role the link carries. Other
 * readers of customers see the record without the account behind it.
 */
export const managesCustomerLinks = (g: Grants): boolean => g.has('customers:update') && missingToGrant(g, 'CUSTOMER').length === 0;

/** For one granter role alone, the roles of `candidates` it may grant (docs, the console, tests). */
export function grantableBy(granter: CommerceRole, candidates: readonly CommerceRole[] = COMMERCE_ROLES): CommerceRole[] {
  const g = COMMERCE_RBAC.grantsOf([granter]);
  return candidates.filter((r) => r !== 'SUPER_ADMIN' && missingToGrant(g, r).length === 0);
}

/**
 * Per-role rate categories (the spec's "Rate limiting per role"): like a tier, but chosen by the caller's roles in the
 * request's store, so CUSTOMER calls are counted (and limited) apart from staff calls. The numbers are configuration.
 */
export type CommerceRateCategory = 'staff' | 'customer';
export const ROLE_RATE_CATEGORY: Readonly<Record<CommerceRole, CommerceRateCategory>> = Object.fromEntries(
  COMMERCE_ROLES.map((r) => [r, r === 'CUSTOMER' ? 'customer' : 'staff']),
) as Record<CommerceRole, CommerceRateCategory>;

/** Staff if any of the roles is staff (the more generous window), customer if only customer roles, null if none. */
export function rateCategoryOf(roles: Iterable<CommerceRole>): CommerceRateCategory | null {
  let found: CommerceRateCategory | null = null;
  for (const r of roles) {
    if (ROLE_RATE_CATEGORY[r] === 'staff') return 'staff';
    found = 'customer';
  }
  return found;
}

/** Order lifecycle: PENDING → PAID → FULFILLED → DELIVERED, CANCELLED from PENDING or PAID. */
export const ORDER_STATUSES = ['PENDING', 'PAID', 'FULFILLED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['PAID', 'CANCELLED'],
  PAID: ['FULFILLED', 'CANCELLED'],
  FULFILLED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
};
/** Roles limited to some transitions; any other role holding `orders:update` may make every legal one. */
export const ROLE_ORDER_TRANSITIONS: Readonly<Partial<Record<CommerceRole, Partial<Record<OrderStatus, readonly OrderStatus[]>>>>> = {
  CUSTOMER: { PENDING: ['CANCELLED'] },
};

/**
 * An order that can still be cancelled (PENDING, PAID) holds stock that cancelling gives back: deleting it would
 * strand that stock, so it must be cancelled first. Derived from the transition table, not listed twice.
 */
export const orderDeletable = (status: OrderStatus): boolean => !ORDER_TRANSITIONS[status].includes('CANCELLED');

export type TransitionVerdict = 'allowed' | 'illegal' | 'forbidden';

export function orderTransition(roles: Iterable<CommerceRole>, from: OrderStatus, to: OrderStatus): TransitionVerdict {
  if (!ORDER_TRANSITIONS[from].includes(to)) return 'illegal';
  for (const role of roles) {
    if (!COMMERCE_RBAC.has(role, 'orders:update')) continue;
    const limited = ROLE_ORDER_TRANSITIONS[role];
    if (!limited || limited[from]?.includes(to)) return 'allowed';
  }
  return 'forbidden';
}
