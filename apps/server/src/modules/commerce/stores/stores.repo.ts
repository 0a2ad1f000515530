import { and, asc, count, desc, eq, type SQL } from 'drizzle-orm';
import type { StoreRole } from '@gatehouse/policy';
import type { Tx } from '../../../db/database.ts';
import { users } from '../../identity/index.ts';
import { storeStaff, stores } from '../commerce.tables.ts';
import { paged, type Page } from '../page.ts';

export type StoreRow = typeof stores.$inferSelect;

export async function insertStore(tx: Tx, row: typeof stores.$inferInsert): Promise<StoreRow> {
  const [r] = await tx.insert(stores).values(row).returning();
  return r!;
}

/** `where` is the caller's row condition (tenant, store scope, not deleted), compiled by the service. */
export async function findStore(tx: Tx, id: string, where: SQL, lock = false): Promise<StoreRow | null> {
  const q = tx.select().from(stores).where(and(eq(stores.id, id), where)).limit(1);
  const [r] = lock ? await q.for('update') : await q;
  return r ?? null;
}

export function listStores(tx: Tx, condition: SQL, p: Page, organizationId?: string) {
  const where = and(condition, organizationId ? eq(stores.organizationId, organizationId) : undefined)!;
  return paged(tx, tx.select().from(stores).where(where).orderBy(desc(stores.createdAt), stores.id).$dynamic(), stores, where, p);
}

export async function updateStore(tx: Tx, id: string, where: SQL, patch: Partial<typeof stores.$inferInsert>): Promise<StoreRow | null> {
  const [r] = await tx.update(stores).set({ ...patch, updatedAt: new Date() }).where(and(eq(stores.id, id), where)).returning();
  return r ?? null;
}

// Store staff. The store was resolved (and the caller's right to it checked) by the route's scope; these queries
// are keyed by that store id.

export type StaffRow = typeof storeStaff.$inferSelect;
const staffWithUser = (tx: Tx) =>
  tx
    .select({ userId: storeStaff.userId, role: storeStaff.role, createdAt: storeStaff.createdAt, email: users.email, name: users.name })
    .from(storeStaff)
    .innerJoin(users, eq(users.id, storeStaff.userId));

export async function lockStore(tx: Tx, storeId: string): Promise<void> {
  await tx.select({ id: stores.id }).from(stores).where(eq(stores.id, storeId)).for('update');
}

export async function listStaff(tx: Tx, storeId: string, p: Page) {
  const where = eq(storeStaff.storeId, storeId);
  const [rows, totals] = await Promise.all([
    staffWithUser(tx).where(where).orderBy(asc(storeStaff.createdAt), storeStaff.userId).limit(p.perPage).offset((p.page - 1) * p.perPage),
    tx.select({ n: count() }).from(storeStaff).where(where),
  ]);
  return { rows, total: Number(totals[0]?.n ?? 0) };
}

export async function findStaff(tx: Tx, storeId: string, userId: string) {
  const [r] = await staffWithUser(tx).where(and(eq(storeStaff.storeId, storeId), eq(storeStaff.userId, userId)));
  return r ?? null;
}

export async function setStaffRole(tx: Tx, storeId: string, userId: string, role: StoreRole): Promise<void> {
  await tx.update(storeStaff).set({ role }).where(and(eq(storeStaff.storeId, storeId), eq(storeStaff.userId, userId)));
}

export async function deleteStaff(tx: Tx, storeId: string, userId: string): Promise<void> {
  await tx.delete(storeStaff).where(and(eq(storeStaff.storeId, storeId), eq(storeStaff.userId, userId)));
}
