import { and, count, desc, eq, gte, ilike, isNull, lte, or, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/database.ts';
import { brands, categories, products } from '../commerce.tables.ts';
import type { Page } from '../page.ts';

export type ProductRow = typeof products.$inferSelect;
export type NewProduct = typeof products.$inferInsert;

export interface ProductFilters {
  readonly storeId?: string | undefined;
  readonly status?: ProductRow['status'] | undefined;
  readonly categoryId?: string | undefined;
  readonly brandId?: string | undefined;
  readonly minPrice?: number | undefined;
  readonly maxPrice?: number | undefined;
  /** Text search on name or sku (case-insensitive substring). */
  readonly q?: string | undefined;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function filterSql(f: ProductFilters): SQL | undefined {
  const q = f.q ? `%${likeEscape(f.q)}%` : undefined;
  return and(
    f.storeId ? eq(products.storeId, f.storeId) : undefined,
    f.status ? eq(products.status, f.status) : undefined,
    f.categoryId ? eq(products.categoryId, f.categoryId) : undefined,
    f.brandId ? eq(products.brandId, f.brandId) : undefined,
    f.minPrice !== undefined ? gte(products.price, f.minPrice) : undefined,
    f.maxPrice !== undefined ? lte(products.price, f.maxPrice) : undefined,
    q ? or(ilike(products.name, q), ilike(products.sku, q)) : undefined,
  );
}

/**
 * The two statements of a product list page (rows, total), unexecuted, so the benchmark can run exactly these through
 * the driver as its baseline. `condition` is the caller's row condition (tenant, store scope, not deleted).
 */
export function productListQueries(tx: Tx, condition: SQL, f: ProductFilters, p: Page) {
  const where = and(condition, filterSql(f));
  return {
    rows: tx
      .select()
      .from(products)
      .where(where)
      .orderBy(desc(products.createdAt), desc(products.id))
      .limit(p.perPage)
      .offset((p.page - 1) * p.perPage),
    total: tx.select({ n: count() }).from(products).where(where),
  };
}

export async function listProducts(tx: Tx, condition: SQL, f: ProductFilters, p: Page) {
  const q = productListQueries(tx, condition, f, p);
  const [rows, totals] = await Promise.all([q.rows, q.total]);
  return { rows, total: Number(totals[0]?.n ?? 0) };
}

export async function insertProduct(tx: Tx, row: NewProduct): Promise<ProductRow> {
  const [r] = await tx.insert(products).values(row).returning();
  return r!;
}

export async function findProduct(tx: Tx, id: string, condition: SQL, lock = false): Promise<ProductRow | null> {
  const q = tx.select().from(products).where(and(eq(products.id, id), condition)).limit(1);
  const [r] = lock ? await q.for('update') : await q;
  return r ?? null;
}

export async function updateProduct(tx: Tx, id: string, condition: SQL, patch: Partial<NewProduct>): Promise<ProductRow | null> {
  const [r] = await tx.update(products).set({ ...patch, updatedAt: new Date() }).where(and(eq(products.id, id), condition)).returning();
  return r ?? null;
}

/** Whether a category or brand is a live row of the given store (references never cross stores). */
export async function liveInStore(tx: Tx, kind: 'category' | 'brand', id: string, storeId: string): Promise<boolean> {
  const t = kind === 'category' ? categories : brands;
  const [r] = await tx.select({ id: t.id }).from(t).where(and(eq(t.id, id), eq(t.storeId, storeId), isNull(t.deletedAt))).limit(1);
  return r !== undefined;
}
