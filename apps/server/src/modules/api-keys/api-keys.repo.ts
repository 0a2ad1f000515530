import { and, desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { apiKeys } from './api-keys.tables.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertKey(tx: Tx, k: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [row] = await tx.insert(apiKeys).values(k).returning();
  return row!;
}

export function listKeys(tx: Tx, userId: string): Promise<ApiKeyRow[]> {
  return tx.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt), apiKeys.id);
}

export async function findKeyById(tx: Tx, id: string): Promise<ApiKeyRow | null> {
  const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return row ?? null;
}

export async function findKeyByPrefix(tx: Tx, prefix: string): Promise<ApiKeyRow | null> {
  const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).limit(1);
  return row ?? null;
}

/** Deletes only when the key belongs to `userId`; the owner filter is in the statement, not just the route. */
export async function deleteOwnedKey(tx: Tx, id: string, userId: string): Promise<ApiKeyRow | null> {
  const [row] = await tx.delete(apiKeys).where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId))).returning();
  return row ?? null;
}

export async function replaceOwnedKeySecret(
  tx: Tx,
  id: string,
  userId: string,
  next: { prefix: string; keyHash: string },
): Promise<ApiKeyRow | null> {
  const [row] = await tx
    .update(apiKeys)
    .set({ ...next, rotatedAt: new Date(), lastUsedAt: null })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
    .returning();
  return row ?? null;
}

export async function touchKey(tx: Tx, id: string, at: Date): Promise<void> {
  await tx.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
}
