import { and, asc, eq, ilike, isNull, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/database.ts';
import { categories } from '../commerce.tables.ts';
import { paged, type Page } from '../page.ts';

export type CategoryRow = typeof categories.$inferSelect;

export interface CategoryFilters {
  readonly storeId?: string | undefined;
  /** `null` lists the roots. */
  readonly parentId?: string | null | undefined;
  readonly q?: string | undefined;
}

export function listCategories(tx: Tx, condition: SQL, f: CategoryFilters, p: Page) {
  const where = and(
    condition,
    f.storeId ? eq(categories.storeId, f.storeId) : undefined,
    f.parentId === null ? isNull(categories.parentId) : f.parentId ? eq(categories.parentId, f.parentId) : undefined,
    f.q ? ilike(categories.name, `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
  )!;
  return paged(tx, tx.select().from(categories).where(where).orderBy(asc(categories.name), categories.id).$dynamic(), categories, where, p);
}

export async function insertCategory(tx: Tx, row: typeof categories.$inferInsert): Promise<CategoryRow> {
  const [r] = await tx.insert(categories).values(row).returning();
  return r!;
}

export async function findCategory(tx: Tx, id: string, condition: SQL, lock = false): Promise<CategoryRow | null> {
  const q = tx.select().from(categories).where(and(eq(categories.id, id), condition)).limit(1);
  const [r] = lock ? await q.for('update') : await q;
  return r ?? null;
}

export async function updateCategory(tx: Tx, id: string, condition: SQL, patch: Partial<typeof categories.$inferInsert>): Promise<CategoryRow | null> {
  const [r] = await tx.update(categories).set({ ...patch, updatedAt: new Date() }).where(and(eq(categories.id, id), condition)).returning();
  return r ?? null;
}

/** The parent of a live category of `storeId` (undefined when there is no such category). */
export async function parentOf(tx: Tx, id: string, storeId: string): Promise<string | null | undefined> {
  const [r] = await tx
    .select({ parentId: categories.parentId })
    .from(categories)
    .where(and(eq(categories.id, id), eq(categories.storeId, storeId), isNull(categories.deletedAt)))
    .limit(1);
  return r === undefined ? undefined : r.parentId;
}

export async function hasLiveChildren(tx: Tx, id: string): Promise<boolean> {
  const [r] = await tx.select({ id: categories.id }).from(categories).where(and(eq(categories.parentId, id), isNull(categories.deletedAt))).limit(1);
  return r !== undefined;
}
