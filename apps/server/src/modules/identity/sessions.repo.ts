import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { insertStatement } from '../../db/insert-statement.ts';
import { preparedSql } from '../../db/prepared.ts';
import { auditRowInsert } from '../audit/index.ts';
import { refreshTokens, sessions } from './identity.tables.ts';

export type SessionRow = typeof sessions.$inferSelect;

const sessionInsert = insertStatement(sessions, ['id', 'userId', 'expiresAt', 'ip', 'userAgent']);
const refreshTokenInsert = insertStatement(refreshTokens, ['id', 'sessionId', 'tokenHash']);

/**
 * A new session, its first refresh token and the sign-in's audit row in one statement: atomic like a transaction,
 * one round trip instead of five (BEGIN, three inserts, COMMIT), prepared once. The refresh token's foreign key is
 * checked at the end of the statement, when the session row exists.
 */
const signIn = preparedSql(
  'sessions_sign_in',
  sql`with s as (${sessionInsert.template('s_')}), r as (${refreshTokenInsert.template('r_')}) ${auditRowInsert.template('a_')}`,
);

/** `audit`: the values of the audit row, from `AuditService.insertValues('a_', …)`. */
export async function insertSessionWith(
  tx: Tx,
  s: Pick<typeof sessions.$inferInsert, 'id' | 'userId' | 'expiresAt' | 'ip' | 'userAgent'>,
  t: Pick<typeof refreshTokens.$inferInsert, 'id' | 'sessionId' | 'tokenHash'>,
  audit: Record<string, unknown>,
): Promise<void> {
  await signIn(tx).execute({ ...sessionInsert.values('s_', s), ...refreshTokenInsert.values('r_', t), ...audit });
}

export async function insertRefreshToken(tx: Tx, t: typeof refreshTokens.$inferInsert): Promise<void> {
  await tx.insert(refreshTokens).values(t);
}

export async function findRefreshToken(tx: Tx, tokenHash: string) {
  const [row] = await tx
    .select({ token: refreshTokens, session: sessions })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .limit(1);
  return row ?? null;
}

/** Marks a refresh token used. False when it already was: two requests raced with one token, i.e. reuse. */
export async function markRefreshTokenUsed(tx: Tx, id: string): Promise<boolean> {
  const rows = await tx
    .update(refreshTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length === 1;
}

export async function touchSession(tx: Tx, id: string): Promise<void> {
  await tx.update(sessions).set({ lastUsedAt: new Date() }).where(eq(sessions.id, id));
}

export async function revokeSession(tx: Tx, id: string, reason: string): Promise<boolean> {
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length === 1;
}

/** Revokes every live session of a user, except one (the caller's own, on password change). */
export async function revokeUserSessions(tx: Tx, userId: string, reason: string, exceptId?: string): Promise<string[]> {
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        exceptId ? ne(sessions.id, exceptId) : sql`true`,
      ),
    )
    .returning({ id: sessions.id });
  return rows.map((r) => r.id);
}

/** Sessions revoked since `since`: their access tokens may still be unexpired. */
export async function recentlyRevokedSessions(tx: Tx, since: Date): Promise<string[]> {
  const rows = await tx.select({ id: sessions.id }).from(sessions).where(gt(sessions.revokedAt, since));
  return rows.map((r) => r.id);
}
