/**
 * Soft delete, cascading down the tenant tree with one shared timestamp: deleting an organization hides its stores,
 * deleting a store hides its catalogue, customers and orders. Restoring brings back exactly the rows that went with
 * it (same `deleted_at`), not rows deleted on their own before.
 */
import { and, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { brands, categories, customers, orders, products, stores } from './commerce.tables.ts';

const STORE_CHILDREN = [products, categories, brands, customers, orders] as const;

async function setDeleted(tx: Tx, storeIds: string[], from: Date | null, to: Date | null): Promise<void> {
  if (storeIds.length === 0) return;
  for (const t of STORE_CHILDREN) {
    const state: SQL = from === null ? isNull(t.deletedAt) : eq(t.deletedAt, from);
    await tx.update(t).set({ deletedAt: to }).where(and(inArray(t.storeId, storeIds), state));
  }
}

/** Hides a store's rows along with it. */
export const cascadeStoreDelete = (tx: Tx, storeId: string, at: Date) => setDeleted(tx, [storeId], null, at);
export const cascadeStoreRestore = (tx: Tx, storeId: string, at: Date) => setDeleted(tx, [storeId], at, null);

/** Hides an organization's stores (and theirs) along with it. */
export async function cascadeOrganizationDelete(tx: Tx, organizationId: string, at: Date): Promise<void> {
  const hidden = await tx
    .update(stores)
    .set({ deletedAt: at })
    .where(and(eq(stores.organizationId, organizationId), isNull(stores.deletedAt)))
    .returning({ id: stores.id });
  await setDeleted(tx, hidden.map((s) => s.id), null, at);
}

export async function cascadeOrganizationRestore(tx: Tx, organizationId: string, at: Date): Promise<void> {
  const back = await tx
    .update(stores)
    .set({ deletedAt: null })
    .where(and(eq(stores.organizationId, organizationId), eq(stores.deletedAt, at)))
    .returning({ id: stores.id });
  await setDeleted(tx, back.map((s) => s.id), at, null);
}
