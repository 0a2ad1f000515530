import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { OrderStatus } from '@gatehouse/policy';
import type { Tx } from '../../../db/database.ts';
import { customers, orderItems, orders, products, stores } from '../commerce.tables.ts';
import { paged, type Page } from '../page.ts';

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;

export interface OrderFilters {
  readonly storeId?: string | undefined;
  readonly status?: OrderStatus | undefined;
  readonly customerId?: string | undefined;
}

export function listOrders(tx: Tx, condition: SQL, f: OrderFilters, p: Page) {
  const where = and(
    condition,
    f.storeId ? eq(orders.storeId, f.storeId) : undefined,
    f.status ? eq(orders.status, f.status) : undefined,
    f.customerId ? eq(orders.customerId, f.customerId) : undefined,
  )!;
  return paged(tx, tx.select().from(orders).where(where).orderBy(desc(orders.createdAt), desc(orders.number)).$dynamic(), orders, where, p);
}

/** Line items of the given orders (already filtered by the caller's condition), grouped by order. */
export async function itemsOf(tx: Tx, orderIds: string[]): Promise<Map<string, OrderItemRow[]>> {
  const out = new Map<string, OrderItemRow[]>();
  if (orderIds.length === 0) return out;
  const rows = await tx.select().from(orderItems).where(inArray(orderItems.orderId, orderIds)).orderBy(asc(orderItems.orderId), asc(orderItems.id));
  for (const r of rows) out.set(r.orderId, [...(out.get(r.orderId) ?? []), r]);
  return out;
}

export async function findOrder(tx: Tx, id: string, condition: SQL, lock = false): Promise<OrderRow | null> {
  const q = tx.select().from(orders).where(and(eq(orders.id, id), condition)).limit(1);
  const [r] = lock ? await q.for('update') : await q;
  return r ?? null;
}

export async function updateOrder(tx: Tx, id: string, condition: SQL, patch: Partial<typeof orders.$inferInsert>): Promise<OrderRow | null> {
  const [r] = await tx.update(orders).set({ ...patch, updatedAt: new Date() }).where(and(eq(orders.id, id), condition)).returning();
  return r ?? null;
}

export async function insertOrder(tx: Tx, order: typeof orders.$inferInsert, items: Array<typeof orderItems.$inferInsert>): Promise<OrderRow> {
  const [r] = await tx.insert(orders).values(order).returning();
  if (items.length > 0) await tx.insert(orderItems).values(items);
  return r!;
}

/** Hands out the store's next order number (the row lock serialises concurrent orders of one store). */
export async function nextOrderNumber(tx: Tx, storeId: string): Promise<number> {
  const [r] = await tx.update(stores).set({ orderSeq: sql`${stores.orderSeq} + 1` }).where(eq(stores.id, storeId)).returning({ n: stores.orderSeq });
  return r!.n;
}

export async function customerInStore(tx: Tx, customerId: string, storeId: string): Promise<boolean> {
  const [r] = await tx
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.storeId, storeId), isNull(customers.deletedAt)))
    .limit(1);
  return r !== undefined;
}

/** Live products of the store, locked in id order (a fixed order, so two orders never deadlock on each other). */
export function lockProducts(tx: Tx, storeId: string, ids: string[]) {
  return tx
    .select()
    .from(products)
    .where(and(inArray(products.id, ids), eq(products.storeId, storeId), isNull(products.deletedAt)))
    .orderBy(asc(products.id))
    .for('update');
}

/** Moves stock by `delta` per product (negative when an order takes it, positive when a cancellation returns it). */
export async function adjustInventory(tx: Tx, changes: ReadonlyArray<{ productId: string; delta: number }>): Promise<void> {
  for (const c of [...changes].sort((a, b) => a.productId.localeCompare(b.productId))) {
    await tx
      .update(products)
      .set({ inventoryQuantity: sql`${products.inventoryQuantity} + ${c.delta}` })
      .where(eq(products.id, c.productId));
  }
}
