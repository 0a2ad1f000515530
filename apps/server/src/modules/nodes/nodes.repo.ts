import { and, count, desc, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { customNodes } from './nodes.tables.ts';

export type CustomNodeRow = typeof customNodes.$inferSelect;

export async function insertCustomNode(tx: Tx, row: typeof customNodes.$inferInsert): Promise<CustomNodeRow> {
  const [r] = await tx.insert(customNodes).values(row).returning();
  return r!;
}

export function listOwnCustomNodes(tx: Tx, ownerId: string, page?: { limit: number; offset: number }): Promise<CustomNodeRow[]> {
  const q = tx.select().from(customNodes).where(eq(customNodes.ownerId, ownerId)).orderBy(desc(customNodes.createdAt), customNodes.id);
  return page ? q.limit(page.limit).offset(page.offset) : q;
}

export async function countOwnCustomNodes(tx: Tx, ownerId: string): Promise<number> {
  const [r] = await tx.select({ n: count() }).from(customNodes).where(eq(customNodes.ownerId, ownerId));
  return r?.n ?? 0;
}

export async function findOwnCustomNode(tx: Tx, ownerId: string, id: string): Promise<CustomNodeRow | null> {
  const [r] = await tx.select().from(customNodes).where(and(eq(customNodes.id, id), eq(customNodes.ownerId, ownerId))).limit(1);
  return r ?? null;
}

export function findOwnCustomNodesBySlug(tx: Tx, ownerId: string, slugs: readonly string[]): Promise<CustomNodeRow[]> {
  if (slugs.length === 0) return Promise.resolve([]);
  return tx.select().from(customNodes).where(and(eq(customNodes.ownerId, ownerId), inArray(customNodes.slug, [...slugs])));
}

/** For the `owner` access rule only. */
export async function findCustomNodeOwner(tx: Tx, id: string): Promise<string | null> {
  const [r] = await tx.select({ ownerId: customNodes.ownerId }).from(customNodes).where(eq(customNodes.id, id)).limit(1);
  return r?.ownerId ?? null;
}

export async function deleteOwnCustomNode(tx: Tx, ownerId: string, id: string): Promise<CustomNodeRow | null> {
  const [r] = await tx.delete(customNodes).where(and(eq(customNodes.id, id), eq(customNodes.ownerId, ownerId))).returning();
  return r ?? null;
}
