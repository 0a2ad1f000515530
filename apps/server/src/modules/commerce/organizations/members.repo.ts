import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { OrganizationRole } from '@gatehouse/policy';
import type { Tx } from '../../../db/database.ts';
import { users } from '../../identity/index.ts';
import { organizationMembers, organizations } from '../commerce.tables.ts';
import type { Page } from '../page.ts';

export type MemberRow = typeof organizationMembers.$inferSelect;

/** Serialises member changes of one organization (the last-owner rule must not race). */
export async function lockOrganization(tx: Tx, organizationId: string): Promise<void> {
  await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, organizationId)).for('update');
}

const memberWithUser = (tx: Tx) =>
  tx
    .select({ userId: organizationMembers.userId, role: organizationMembers.role, createdAt: organizationMembers.createdAt, email: users.email, name: users.name })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId));

export async function findMemberWithUser(tx: Tx, organizationId: string, userId: string) {
  const [r] = await memberWithUser(tx).where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)));
  return r ?? null;
}

export async function listMembers(tx: Tx, organizationId: string, p: Page) {
  const where = eq(organizationMembers.organizationId, organizationId);
  const [rows, totals] = await Promise.all([
    memberWithUser(tx)
      .where(where)
      .orderBy(asc(organizationMembers.createdAt), organizationMembers.userId)
      .limit(p.perPage)
      .offset((p.page - 1) * p.perPage),
    tx.select({ n: count() }).from(organizationMembers).where(where),
  ]);
  return { rows, total: Number(totals[0]?.n ?? 0) };
}

export async function findMember(tx: Tx, organizationId: string, userId: string): Promise<MemberRow | null> {
  const [r] = await tx
    .select()
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)))
    .limit(1);
  return r ?? null;
}

export async function insertMember(tx: Tx, row: { organizationId: string; userId: string; role: OrganizationRole }): Promise<MemberRow> {
  const [r] = await tx.insert(organizationMembers).values(row).returning();
  return r!;
}

export async function setMemberRole(tx: Tx, organizationId: string, userId: string, role: OrganizationRole): Promise<void> {
  await tx
    .update(organizationMembers)
    .set({ role })
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)));
}

export async function deleteMember(tx: Tx, organizationId: string, userId: string): Promise<void> {
  await tx.delete(organizationMembers).where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)));
}

export async function countOwners(tx: Tx, organizationId: string): Promise<number> {
  const [r] = await tx
    .select({ n: count() })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), sql`${organizationMembers.role} = 'OWNER'`));
  return Number(r?.n ?? 0);
}
