import { and, count, desc, eq, ilike, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { preparedPerHandle } from '../../db/prepared.ts';
import { users } from './identity.tables.ts';

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

export async function insertUser(tx: Tx, user: NewUser): Promise<UserRow> {
  const [row] = await tx.insert(users).values(user).returning();
  return row!;
}

// Prepared: every authenticated request's user snapshot, GET /api/users/me and every sign-in run one of these.
const byId = preparedPerHandle((tx) =>
  tx.select().from(users).where(eq(users.id, sql.placeholder('id'))).limit(1).prepare('users_by_id'),
);
const byEmail = preparedPerHandle((tx) =>
  tx
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${sql.placeholder('email')}`)
    .limit(1)
    .prepare('users_by_email'),
);

export async function findUserById(tx: Tx, id: string): Promise<UserRow | null> {
  const [row] = await byId(tx).execute({ id });
  return row ?? null;
}

export async function findUserByEmail(tx: Tx, email: string): Promise<UserRow | null> {
  const [row] = await byEmail(tx).execute({ email: email.toLowerCase() });
  return row ?? null;
}

export async function findUserByGoogleSub(tx: Tx, sub: string): Promise<UserRow | null> {
  const [row] = await tx.select().from(users).where(eq(users.googleSub, sub)).limit(1);
  return row ?? null;
}

export async function updateUser(tx: Tx, id: string, patch: Partial<NewUser>): Promise<UserRow | null> {
  const [row] = await tx
    .update(users)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row ?? null;
}

/**
 * Links a Google subject to an account that has none yet. Null when the account is already linked (to any
 * subject): the condition is in the statement, so two racing sign-ins cannot both link.
 */
export async function linkGoogleSub(tx: Tx, id: string, googleSub: string): Promise<UserRow | null> {
  const [row] = await tx
    .update(users)
    .set({ googleSub, updatedAt: new Date() })
    .where(and(eq(users.id, id), isNull(users.googleSub)))
    .returning();
  return row ?? null;
}

/** Escapes LIKE wildcards so a search for `a_b` finds that text, not every `a?b`. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listUsers(
  tx: Tx,
  opts: { page: number; perPage: number; email?: string | undefined },
): Promise<{ rows: UserRow[]; total: number }> {
  const where = opts.email ? and(ilike(users.email, `%${likeEscape(opts.email)}%`)) : undefined;
  const [rows, totals] = await Promise.all([
    tx
      .select()
      .from(users)
      .where(where)
      .orderBy(desc(users.createdAt), users.id)
      .limit(opts.perPage)
      .offset((opts.page - 1) * opts.perPage),
    tx.select({ n: count() }).from(users).where(where),
  ]);
  return { rows, total: Number(totals[0]?.n ?? 0) };
}
