import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/database.ts';
import { organizations } from '../commerce.tables.ts';
import { paged, type Page } from '../page.ts';

export type OrganizationRow = typeof organizations.$inferSelect;

export async function insertOrganization(tx: Tx, row: typeof organizations.$inferInsert): Promise<OrganizationRow> {
  const [r] = await tx.insert(organizations).values(row).returning();
  return r!;
}

/** `where` is the caller's row condition (tenant and not deleted), compiled by the service. */
export async function findOrganization(tx: Tx, id: string, where: SQL, lock = false): Promise<OrganizationRow | null> {
  const q = tx.select().from(organizations).where(and(eq(organizations.id, id), where)).limit(1);
  const [r] = lock ? await q.for('update') : await q;
  return r ?? null;
}

export function listOrganizations(tx: Tx, where: SQL, p: Page) {
  const q = tx.select().from(organizations).where(where).orderBy(desc(organizations.createdAt), organizations.id).$dynamic();
  return paged(tx, q, organizations, where, p);
}

export async function updateOrganization(tx: Tx, id: string, where: SQL, patch: Partial<typeof organizations.$inferInsert>): Promise<OrganizationRow | null> {
  const [r] = await tx.update(organizations).set({ ...patch, updatedAt: new Date() }).where(and(eq(organizations.id, id), where)).returning();
  return r ?? null;
}
