import { and, asc, eq, ilike, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/database.ts';
import { brands } from '../commerce.tables.ts';
import { paged, type Page } from '../page.ts';

export type BrandRow = typeof brands.$inferSelect;

export function listBrands(tx: Tx, condition: SQL, f: { storeId?: string | undefined; q?: string | undefined }, p: Page) {
  const where = and(
    condition,
    f.storeId ? eq(brands.storeId, f.storeId) : undefined,
    f.q ? ilike(brands.name, `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
  )!;
  return paged(tx, tx.select().from(brands).where(where).orderBy(asc(brands.name), brands.id).$dynamic(), brands, where, p);
}

export async function insertBrand(tx: Tx, row: typeof brands.$inferInsert): Promise<BrandRow> {
  const [r] = await tx.insert(brands).values(row).returning();
  return r!;
}

export async function findBrand(tx: Tx, id: string, condition: SQL, lock = false): Promise<BrandRow | null> {
  const q = tx.select().from(brands).where(and(eq(brands.id, id), condition)).limit(1);
  const [r] = lock ? await q.for('update') : await q;
  return r ?? null;
}

export async function updateBrand(tx: Tx, id: string, condition: SQL, patch: Partial<typeof brands.$inferInsert>): Promise<BrandRow | null> {
  const [r] = await tx.update(brands).set({ ...patch, updatedAt: new Date() }).where(and(eq(brands.id, id), condition)).returning();
  return r ?? null;
}
