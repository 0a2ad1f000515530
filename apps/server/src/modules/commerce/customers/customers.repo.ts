import { and, desc, eq, ilike, or, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/database.ts';
import { customers } from '../commerce.tables.ts';
import { paged, type Page } from '../page.ts';

export type CustomerRow = typeof customers.$inferSelect;

export function listCustomers(tx: Tx, condition: SQL, f: { storeId?: string | undefined; q?: string | undefined }, p: Page) {
  const q = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const where = and(condition, f.storeId ? eq(customers.storeId, f.storeId) : undefined, q ? or(ilike(customers.name, q), ilike(customers.email, q)) : undefined)!;
  return paged(tx, tx.select().from(customers).where(where).orderBy(desc(customers.createdAt), customers.id).$dynamic(), customers, where, p);
}

export async function insertCustomer(tx: Tx, row: typeof customers.$inferInsert): Promise<CustomerRow> {
  const [r] = await tx.insert(customers).values(row).returning();
  return r!;
}

export async function findCustomer(tx: Tx, id: string, condition: SQL, lock = false): Promise<CustomerRow | null> {
  const q = tx.select().from(customers).where(and(eq(customers.id, id), condition)).limit(1);
  const [r] = lock ? await q.for('update') : await q;
  return r ?? null;
}

export async function updateCustomer(tx: Tx, id: string, condition: SQL, patch: Partial<typeof customers.$inferInsert>): Promise<CustomerRow | null> {
  const [r] = await tx.update(customers).set({ ...patch, updatedAt: new Date() }).where(and(eq(customers.id, id), condition)).returning();
  return r ?? null;
}
