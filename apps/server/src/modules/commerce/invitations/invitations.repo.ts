import { and, count, desc, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/database.ts';
import { users } from '../../identity/index.ts';
import { customers, invitations, organizationMembers, organizations, storeStaff, stores } from '../commerce.tables.ts';
import type { Page } from '../page.ts';

export type InvitationRow = typeof invitations.$inferSelect;
export type InvitationKind = InvitationRow['kind'];

/** Where an invitation offers its role: an organization, a store, or one customer record of a store. */
export type InvitationScope =
  | { readonly kind: 'organization'; readonly organizationId: string }
  | { readonly kind: 'store'; readonly organizationId: string; readonly storeId: string }
  | { readonly kind: 'customer'; readonly organizationId: string; readonly storeId: string; readonly customerId: string };

const scopeWhere = (s: InvitationScope): SQL =>
  and(
    eq(invitations.kind, s.kind),
    eq(invitations.organizationId, s.organizationId),
    s.kind === 'organization' ? isNull(invitations.storeId) : eq(invitations.storeId, s.storeId),
    s.kind === 'customer' ? eq(invitations.customerId, s.customerId) : isNull(invitations.customerId),
  )!;

const pending = eq(invitations.status, 'PENDING');

/** Rows with the names an invitee needs to know what they are accepting. */
const withNames = (tx: Tx) =>
  tx
    .select({ invitation: invitations, organizationName: organizations.name, storeName: stores.name })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .leftJoin(stores, eq(stores.id, invitations.storeId));
export type NamedInvitation = { invitation: InvitationRow; organizationName: string; storeName: string | null };

export async function findPendingFor(tx: Tx, s: InvitationScope, email: string): Promise<InvitationRow | null> {
  const [r] = await tx.select().from(invitations).where(and(scopeWhere(s), pending, eq(invitations.email, email))).limit(1).for('update');
  return r ?? null;
}

export async function insertInvitation(tx: Tx, row: typeof invitations.$inferInsert): Promise<void> {
  await tx.insert(invitations).values(row);
}

export async function updateInvitation(tx: Tx, id: string, patch: Partial<typeof invitations.$inferInsert>): Promise<void> {
  await tx.update(invitations).set(patch).where(eq(invitations.id, id));
}

export async function findNamed(tx: Tx, id: string): Promise<NamedInvitation | null> {
  const [r] = await withNames(tx).where(eq(invitations.id, id)).limit(1);
  return r ?? null;
}

/** An invitation by id, locked; `s` keeps the lookup inside the caller's scope (an inviter revoking). */
export async function findInvitation(tx: Tx, id: string, s?: InvitationScope): Promise<InvitationRow | null> {
  const [r] = await tx
    .select()
    .from(invitations)
    .where(and(eq(invitations.id, id), s ? scopeWhere(s) : undefined))
    .limit(1)
    .for('update');
  return r ?? null;
}

async function page(tx: Tx, where: SQL, p: Page) {
  const [rows, totals] = await Promise.all([
    withNames(tx)
      .where(where)
      .orderBy(desc(invitations.createdAt), invitations.id)
      .limit(p.perPage)
      .offset((p.page - 1) * p.perPage),
    tx.select({ n: count() }).from(invitations).where(where),
  ]);
  return { rows, total: Number(totals[0]?.n ?? 0) };
}

/** The pending invitations of one scope (expired ones too: the inviter sees them and may renew or revoke). */
export const listScope = (tx: Tx, s: InvitationScope, p: Page) => page(tx, and(scopeWhere(s), pending)!, p);

/** The live pending invitations addressed to an email, in scopes that still exist. */
export function listAddressedTo(tx: Tx, email: string, now: Date, p: Page) {
  const live = sql`EXISTS (SELECT 1 FROM ${organizations} o WHERE o.id = ${invitations.organizationId} AND o.deleted_at IS NULL)
    AND (${invitations.storeId} IS NULL OR EXISTS (SELECT 1 FROM ${stores} s WHERE s.id = ${invitations.storeId} AND s.deleted_at IS NULL))
    AND (${invitations.customerId} IS NULL OR EXISTS (SELECT 1 FROM ${customers} c WHERE c.id = ${invitations.customerId} AND c.deleted_at IS NULL))`;
  return page(tx, and(eq(invitations.email, email), pending, gt(invitations.expiresAt, now), live)!, p);
}

export async function userById(tx: Tx, id: string): Promise<{ email: string; isStaff: boolean } | null> {
  const [r] = await tx.select({ email: users.email, isStaff: users.isStaff }).from(users).where(eq(users.id, id)).limit(1);
  return r ?? null;
}

/**
 * Whether an account with this email already holds a role in the organization or store. Only asked for scopes whose
 * member lists (with emails) the inviter can read anyway, so the answer reveals nothing new.
 */
export async function memberWithEmail(tx: Tx, s: InvitationScope, email: string): Promise<boolean> {
  const byEmail = sql`lower(${users.email}) = ${email}`;
  if (s.kind === 'organization') {
    const [r] = await tx
      .select({ id: users.id })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(organizationMembers.organizationId, s.organizationId), byEmail))
      .limit(1);
    return r !== undefined;
  }
  if (s.kind === 'store') {
    const [r] = await tx.select({ id: users.id }).from(storeStaff).innerJoin(users, eq(users.id, storeStaff.userId)).where(and(eq(storeStaff.storeId, s.storeId), byEmail)).limit(1);
    return r !== undefined;
  }
  return false;
}

/** Locks the row the invitation's scope hangs on (as member and staff changes do) and says whether it is live. */
export async function lockScope(tx: Tx, s: InvitationScope): Promise<{ live: boolean; linkedUserId?: string | null }> {
  if (s.kind === 'organization') {
    const [o] = await tx.select({ deletedAt: organizations.deletedAt }).from(organizations).where(eq(organizations.id, s.organizationId)).for('update');
    return { live: o !== undefined && o.deletedAt === null };
  }
  const [st] = await tx.select({ deletedAt: stores.deletedAt }).from(stores).where(eq(stores.id, s.storeId)).for('update');
  if (!st || st.deletedAt !== null) return { live: false };
  if (s.kind === 'store') return { live: true };
  const [c] = await tx.select({ deletedAt: customers.deletedAt, userId: customers.userId }).from(customers).where(eq(customers.id, s.customerId)).for('update');
  return { live: c !== undefined && c.deletedAt === null, linkedUserId: c?.userId ?? null };
}

export function scopeOf(r: InvitationRow): InvitationScope {
  if (r.kind === 'organization') return { kind: 'organization', organizationId: r.organizationId };
  if (r.kind === 'store') return { kind: 'store', organizationId: r.organizationId, storeId: r.storeId! };
  return { kind: 'customer', organizationId: r.organizationId, storeId: r.storeId!, customerId: r.customerId! };
}

/**
 * Gives `userId` the role an accepted invitation offers. Returns why it could not: the user already holds a role
 * there (or, for a customer record, is already some customer of the store), or the record is linked to someone else.
 */
export async function grantInvitation(tx: Tx, inv: InvitationRow, userId: string, linkedUserId: string | null): Promise<'ok' | 'member' | 'linked'> {
  if (inv.kind === 'organization') {
    const [m] = await tx
      .select({ userId: organizationMembers.userId })
      .from(organizationMembers)
      .where(and(eq(organizationMembers.organizationId, inv.organizationId), eq(organizationMembers.userId, userId)));
    if (m) return 'member';
    await tx.insert(organizationMembers).values({ organizationId: inv.organizationId, userId, role: inv.role as typeof organizationMembers.$inferInsert.role });
    return 'ok';
  }
  if (inv.kind === 'store') {
    const [m] = await tx.select({ userId: storeStaff.userId }).from(storeStaff).where(and(eq(storeStaff.storeId, inv.storeId!), eq(storeStaff.userId, userId)));
    if (m) return 'member';
    await tx.insert(storeStaff).values({ storeId: inv.storeId!, userId, role: inv.role as typeof storeStaff.$inferInsert.role });
    return 'ok';
  }
  if (linkedUserId !== null) return linkedUserId === userId ? 'member' : 'linked';
  const [c] = await tx
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.storeId, inv.storeId!), eq(customers.userId, userId), isNull(customers.deletedAt)))
    .limit(1);
  if (c) return 'member';
  await tx.update(customers).set({ userId, updatedAt: new Date() }).where(eq(customers.id, inv.customerId!));
  return 'ok';
}
