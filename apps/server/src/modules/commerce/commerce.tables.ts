/**
 * Commerce tables. Every tenant-owned row carries its organization (and store) id, so the data layer can filter any
 * query by tenant without a join, and a `deleted_at` for soft delete. Uniqueness (slugs, skus, emails) holds among
 * live rows only (partial indexes), so a deleted product's sku can be reused and a restore may conflict (409).
 *
 * Money is integer minor units (cents) with an ISO currency code, never floating point.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { users } from '../identity/identity.tables.ts';

const ORG_ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const;
const STORE_ROLES = ['STORE_ADMIN', 'SALES_MANAGER', 'INVENTORY_MANAGER', 'CUSTOMER_SERVICE', 'CONTENT_MANAGER', 'MARKETING_MANAGER', 'DELIVERY_BOY'] as const;
export const PRODUCT_STATUSES = ['DRAFT', 'PUBLISHED', 'ARCHIVED'] as const;
const ORDER_STATUSES = ['PENDING', 'PAID', 'FULFILLED', 'DELIVERED', 'CANCELLED'] as const;

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
};
const live = sql`deleted_at IS NULL`;

export const organizations = pgTable(
  'organizations',
  { id: uuid('id').primaryKey(), name: text('name').notNull(), slug: text('slug').notNull(), ...timestamps },
  (t) => [uniqueIndex('organizations_slug_live_uq').on(t.slug).where(live)],
);

export const organizationMembers = pgTable(
  'organization_members',
  {
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ORG_ROLES }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] }), index('organization_members_user_idx').on(t.userId)],
);

export const stores = pgTable(
  'stores',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    email: text('email'),
    description: text('description').notNull().default(''),
    currency: text('currency').notNull().default('USD'),
    /** The last order number handed out in this store (orders are numbered per store: 1001, 1002 …). */
    orderSeq: integer('order_seq').notNull().default(1000),
    ...timestamps,
  },
  (t) => [uniqueIndex('stores_org_slug_live_uq').on(t.organizationId, t.slug).where(live), index('stores_org_idx').on(t.organizationId)],
);

export const storeStaff = pgTable(
  'store_staff',
  {
    storeId: uuid('store_id').notNull().references(() => stores.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: STORE_ROLES }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.userId] }), index('store_staff_user_idx').on(t.userId)],
);

export const categories = pgTable(
  'categories',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    storeId: uuid('store_id').notNull().references(() => stores.id),
    parentId: uuid('parent_id').references((): AnyPgColumn => categories.id),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description').notNull().default(''),
    ...timestamps,
  },
  (t) => [uniqueIndex('categories_store_slug_live_uq').on(t.storeId, t.slug).where(live), index('categories_parent_idx').on(t.parentId)],
);

export const brands = pgTable(
  'brands',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    storeId: uuid('store_id').notNull().references(() => stores.id),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description').notNull().default(''),
    website: text('website'),
    ...timestamps,
  },
  (t) => [uniqueIndex('brands_store_slug_live_uq').on(t.storeId, t.slug).where(live)],
);

export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    storeId: uuid('store_id').notNull().references(() => stores.id),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    sku: text('sku').notNull(),
    description: text('description').notNull().default(''),
    /** Null until a role allowed to write prices sets one; never 0 by default (see policy commerce-products.ts). */
    price: integer('price'),
    compareAtPrice: integer('compare_at_price'),
    currency: text('currency').notNull(),
    inventoryQuantity: integer('inventory_quantity').notNull().default(0),
    status: text('status', { enum: PRODUCT_STATUSES }).notNull().default('DRAFT'),
    categoryId: uuid('category_id').references(() => categories.id),
    brandId: uuid('brand_id').references(() => brands.id),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('products_store_sku_live_uq').on(t.storeId, t.sku).where(live),
    uniqueIndex('products_store_slug_live_uq').on(t.storeId, t.slug).where(live),
    // The list endpoint's shape: one store's live products, filtered by status, newest first.
    index('products_store_status_created_idx').on(t.storeId, t.status, t.createdAt).where(live),
    index('products_store_created_idx').on(t.storeId, t.createdAt).where(live),
    index('products_org_idx').on(t.organizationId),
    index('products_category_idx').on(t.categoryId),
    index('products_brand_idx').on(t.brandId),
    // The rule of policy `statusProblem`, held by the database too: nothing is for sale without a price.
    check('products_published_priced_ck', sql`${t.status} <> 'PUBLISHED' OR ${t.price} IS NOT NULL`),
  ],
);

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode?: string;
  country: string;
}

export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    storeId: uuid('store_id').notNull().references(() => stores.id),
    /** The linked user account: that user holds the CUSTOMER role in this store. */
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    email: text('email').notNull(),
    phone: text('phone'),
    addresses: jsonb('addresses').$type<Address[]>().notNull().default([]),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('customers_store_email_live_uq').on(t.storeId, sql`lower(${t.email})`).where(live),
    uniqueIndex('customers_store_user_live_uq').on(t.storeId, t.userId).where(live),
    index('customers_user_idx').on(t.userId),
  ],
);

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    storeId: uuid('store_id').notNull().references(() => stores.id),
    number: integer('number').notNull(),
    customerId: uuid('customer_id').notNull().references(() => customers.id),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('PENDING'),
    currency: text('currency').notNull(),
    subtotal: integer('subtotal').notNull(),
    total: integer('total').notNull(),
    notes: text('notes').notNull().default(''),
    shippingAddress: jsonb('shipping_address').$type<Address | null>(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('orders_store_number_uq').on(t.storeId, t.number),
    index('orders_store_created_idx').on(t.storeId, t.createdAt),
    index('orders_customer_idx').on(t.customerId),
  ],
);

/** Line items keep a snapshot of the product as sold: later edits to the product do not rewrite history. */
export const orderItems = pgTable(
  'order_items',
  {
    id: uuid('id').primaryKey(),
    orderId: uuid('order_id').notNull().references(() => orders.id, { onDelete: 'cascade' }),
    productId: uuid('product_id').notNull().references(() => products.id),
    name: text('name').notNull(),
    sku: text('sku').notNull(),
    unitPrice: integer('unit_price').notNull(),
    quantity: integer('quantity').notNull(),
    lineTotal: integer('line_total').notNull(),
  },
  (t) => [index('order_items_order_idx').on(t.orderId)],
);

export const INVITATION_KINDS = ['organization', 'store', 'customer'] as const;
export const INVITATION_STATUSES = ['PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED'] as const;
const pending = sql`status = 'PENDING'`;

/**
 * An offer of a role, by email, that only the invitee can accept: inviting never reveals whether an account exists,
 * and nobody gets a role (or a customer record's CUSTOMER role) without saying yes. `kind` names the scope: an
 * organization (organization role), a store (store role) or a customer record (CUSTOMER). One pending invitation
 * per scope and email; answered ones stay as history.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind', { enum: INVITATION_KINDS }).notNull(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    storeId: uuid('store_id').references(() => stores.id),
    customerId: uuid('customer_id').references(() => customers.id),
    /** Lower-cased; matched against the invitee's account email when they list, accept or decline. */
    email: text('email').notNull(),
    role: text('role').notNull(),
    status: text('status', { enum: INVITATION_STATUSES }).notNull().default('PENDING'),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    respondedBy: uuid('responded_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('invitations_pending_scope_email_uq').on(t.kind, sql`coalesce(${t.customerId}, ${t.storeId}, ${t.organizationId})`, t.email).where(pending),
    index('invitations_email_pending_idx').on(t.email).where(pending),
    index('invitations_org_idx').on(t.organizationId),
    check(
      'invitations_scope_ck',
      sql`(${t.kind} = 'organization' AND ${t.storeId} IS NULL AND ${t.customerId} IS NULL) OR (${t.kind} = 'store' AND ${t.storeId} IS NOT NULL AND ${t.customerId} IS NULL) OR (${t.kind} = 'customer' AND ${t.storeId} IS NOT NULL AND ${t.customerId} IS NOT NULL)`,
    ),
  ],
);
