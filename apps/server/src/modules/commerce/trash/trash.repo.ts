/**
 * The only queries that read soft-deleted rows, for the SUPER_ADMIN trash. Everything else filters them out.
 */
import { and, count, desc, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../../db/database.ts';
import { brands, categories, customers, orders, organizations, products, stores } from '../commerce.tables.ts';
import type { Page } from '../page.ts';

interface TrashTable {
  readonly table: PgTable;
  readonly id: PgColumn;
  readonly organizationId: PgColumn;
  readonly storeId: PgColumn | null;
  readonly label: SQL;
  readonly deletedAt: PgColumn;
}

export const TRASH_TYPES = {
  organizations: { table: organizations, id: organizations.id, organizationId: organizations.id, storeId: null, label: sql`${organizations.name}`, deletedAt: organizations.deletedAt },
  stores: { table: stores, id: stores.id, organizationId: stores.organizationId, storeId: stores.id, label: sql`${stores.name}`, deletedAt: stores.deletedAt },
  products: { table: products, id: products.id, organizationId: products.organizationId, storeId: products.storeId, label: sql`${products.name}`, deletedAt: products.deletedAt },
  categories: { table: categories, id: categories.id, organizationId: categories.organizationId, storeId: categories.storeId, label: sql`${categories.name}`, deletedAt: categories.deletedAt },
  brands: { table: brands, id: brands.id, organizationId: brands.organizationId, storeId: brands.storeId, label: sql`${brands.name}`, deletedAt: brands.deletedAt },
  customers: { table: customers, id: customers.id, organizationId: customers.organizationId, storeId: customers.storeId, label: sql`${customers.name}`, deletedAt: customers.deletedAt },
  orders: { table: orders, id: orders.id, organizationId: orders.organizationId, storeId: orders.storeId, label: sql`'#' || ${orders.number}`, deletedAt: orders.deletedAt },
} as const satisfies Record<string, TrashTable>;
export type TrashType = keyof typeof TRASH_TYPES;

export interface TrashRow {
  id: string;
  organizationId: string;
  storeId: string | null;
  label: string;
  deletedAt: Date;
}

export async function listTrash(tx: Tx, type: TrashType, f: { organizationId?: string | undefined; storeId?: string | undefined }, p: Page) {
  const t: TrashTable = TRASH_TYPES[type];
  const where = and(
    isNotNull(t.deletedAt),
    f.organizationId ? eq(t.organizationId, f.organizationId) : undefined,
    f.storeId && t.storeId ? eq(t.storeId, f.storeId) : undefined,
  );
  const [rows, totals] = await Promise.all([
    tx
      .select({ id: t.id, organizationId: t.organizationId, storeId: t.storeId ?? sql<null>`NULL`, label: sql<string>`${t.label}`, deletedAt: t.deletedAt })
      .from(t.table)
      .where(where)
      .orderBy(desc(t.deletedAt), t.id)
      .limit(p.perPage)
      .offset((p.page - 1) * p.perPage),
    tx.select({ n: count() }).from(t.table).where(where),
  ]);
  return { rows: rows as TrashRow[], total: Number(totals[0]?.n ?? 0) };
}

export async function findDeleted(tx: Tx, type: TrashType, id: string): Promise<TrashRow | null> {
  const t: TrashTable = TRASH_TYPES[type];
  const [r] = await tx
    .select({ id: t.id, organizationId: t.organizationId, storeId: t.storeId ?? sql<null>`NULL`, label: sql<string>`${t.label}`, deletedAt: t.deletedAt })
    .from(t.table)
    .where(and(eq(t.id, id), isNotNull(t.deletedAt)))
    .for('update');
  return (r as TrashRow | undefined) ?? null;
}

export async function undelete(tx: Tx, type: TrashType, id: string): Promise<void> {
  const t: TrashTable = TRASH_TYPES[type];
  await tx.update(t.table).set({ deletedAt: null } as never).where(eq(t.id, id));
}

/** Whether the row's parents (its organization, its store) are live: a child cannot come back into a deleted parent. */
export async function parentsLive(tx: Tx, row: TrashRow, type: TrashType): Promise<boolean> {
  if (type === 'organizations') return true;
  const [o] = await tx.select({ id: organizations.id }).from(organizations).where(and(eq(organizations.id, row.organizationId), isNull(organizations.deletedAt)));
  if (!o) return false;
  if (type === 'stores' || row.storeId === null) return true;
  const [s] = await tx.select({ id: stores.id }).from(stores).where(and(eq(stores.id, row.storeId), isNull(stores.deletedAt)));
  return s !== undefined;
}
