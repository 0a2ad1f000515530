import { and, count, desc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { preparedPerHandle } from '../../db/prepared.ts';
import { apiKeys } from './api-keys.tables.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertKey(tx: Tx, k: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [row] = await tx.insert(apiKeys).values(k).returning();
  return row!;
}

/**
 * Serializes key creation per user until the transaction ends, so two concurrent creates cannot both pass the cap.
 * A transaction-scoped advisory lock: no table, and nothing to release.
 */
export async function lockUserKeys(tx: Tx, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`api-keys:${userId}`}, 0))`);
}

/** Keys of a user that still work or will: not expired. */
export async function countActiveKeys(tx: Tx, userId: string, now: Date): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now))));
  return Number(row?.n ?? 0);
}

export function listKeys(tx: Tx, userId: string): Promise<ApiKeyRow[]> {
  return tx.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt), apiKeys.id);
}

export async function findKeyById(tx: Tx, id: string): Promise<ApiKeyRow | null> {
  const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return row ?? null;
}

// Prepared: the first request of every key (and again once its cache entry expires) runs it.
const byPrefix = preparedPerHandle((tx) =>
  tx.select().from(apiKeys).where(eq(apiKeys.prefix, sql.placeholder('prefix'))).limit(1).prepare('api_keys_by_prefix'),
);

export async function findKeyByPrefix(tx: Tx, prefix: string): Promise<ApiKeyRow | null> {
  const [row] = await byPrefix(tx).execute({ prefix });
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
