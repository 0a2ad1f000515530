/**
 * The data layer's side of the condition AST: folds a policy Condition into a Drizzle `SQL` filter for one table.
 * Values travel as bound parameters (Drizzle's `eq`/`inArray`), never as text.
 */
import { and, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { foldCondition, type Condition, type ConditionField } from '@gatehouse/policy';
import { brands, categories, customers, orders, organizations, products, stores } from './commerce.tables.ts';

export type Columns = { readonly [F in ConditionField]?: PgColumn };

export function toWhere(c: Condition, columns: Columns): SQL {
  const col = (f: ConditionField): PgColumn => {
    const column = columns[f];
    if (!column) throw new Error(`condition uses ${f}, which this table does not map`);
    return column;
  };
  return foldCondition<SQL>(c, {
    true: () => sql`true`,
    false: () => sql`false`,
    eq: (f, v) => eq(col(f), v),
    in: (f, vs) => inArray(col(f), [...vs]),
    isNull: (f) => isNull(col(f)),
    and: (items) => and(...items)!,
    or: (items) => or(...items)!,
  });
}

/** How each tenant-owned table names the condition fields. A store's own id is its `storeId`. */
export const COLUMNS = {
  organizations: { organizationId: organizations.id, deletedAt: organizations.deletedAt },
  stores: { organizationId: stores.organizationId, storeId: stores.id, deletedAt: stores.deletedAt },
  products: { organizationId: products.organizationId, storeId: products.storeId, status: products.status, deletedAt: products.deletedAt },
  categories: { organizationId: categories.organizationId, storeId: categories.storeId, deletedAt: categories.deletedAt },
  brands: { organizationId: brands.organizationId, storeId: brands.storeId, deletedAt: brands.deletedAt },
  customers: { organizationId: customers.organizationId, storeId: customers.storeId, customerId: customers.id, deletedAt: customers.deletedAt },
  orders: {
    organizationId: orders.organizationId,
    storeId: orders.storeId,
    customerId: orders.customerId,
    status: orders.status,
    deletedAt: orders.deletedAt,
  },
} as const satisfies Record<string, Columns>;

export type TenantTable = keyof typeof COLUMNS;
