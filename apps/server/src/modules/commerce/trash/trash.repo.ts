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

/** The rows a restored row would point at: its organization and store, a product's category and brand, a category's parent. */
async function parentsOf(tx: Tx, row: TrashRow, type: TrashType): Promise<Array<{ kind: 'organization' | 'store' | 'category' | 'brand'; id: string | null }>> {
  const out: Array<{ kind: 'organization' | 'store' | 'category' | 'brand'; id: string | null }> = [];
  if (type !== 'organizations') out.push({ kind: 'organization', id: row.organizationId });
  if (type !== 'organizations' && type !== 'stores') out.push({ kind: 'store', id: row.storeId });
  if (type === 'products') {
    const [p] = await tx.select({ categoryId: products.categoryId, brandId: products.brandId }).from(products).where(eq(products.id, row.id));
    out.push({ kind: 'category', id: p?.categoryId ?? null }, { kind: 'brand', id: p?.brandId ?? null });
  }
  if (type === 'categories') {
    const [c] = await tx.select({ parentId: categories.parentId }).from(categories).where(eq(categories.id, row.id));
    out.push({ kind: 'category', id: c?.parentId ?? null });
  }
  return out;
}

const PARENT_TABLES = { organization: organizations, store: stores, category: categories, brand: brands } as const;

/**
 * The first deleted row the restored row would point at, or null: a child cannot come back into a deleted
 * organization or store, nor a product into a deleted category or brand, nor a category under a deleted parent.
 */
export async function deletedParent(tx: Tx, row: TrashRow, type: TrashType): Promise<{ kind: string; id: string } | null> {
  for (const p of await parentsOf(tx, row, type)) {
    if (p.id === null) continue;
    const t = PARENT_TABLES[p.kind];
    const [live] = await tx.select({ id: t.id }).from(t).where(and(eq(t.id, p.id), isNull(t.deletedAt)));
    if (!live) return { kind: p.kind, id: p.id };
  }
  return null;
}
