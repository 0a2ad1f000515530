import { and, desc, eq, or, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { insertStatement } from '../../db/insert-statement.ts';
import { auditLog } from './audit.tables.ts';

export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;

export async function insertAudit(tx: Tx, rows: NewAuditRow[]): Promise<void> {
  if (rows.length > 0) await tx.insert(auditLog).values(rows);
}

const auditInsert = insertStatement(auditLog, [
  'id',
  'actorId',
  'subjectId',
  'action',
  'outcome',
  'targetType',
  'targetId',
  'organizationId',
  'storeId',
  'ip',
  'userAgent',
  'requestId',
  'details',
]);

/** The INSERT of one row, not run: for a statement of another module to end with (see AuditService.insertSql). */
export function auditInsertSql(row: NewAuditRow): SQL {
  return auditInsert(row);
}

export async function listAudit(
  tx: Tx,
  filter: { userId?: string; action?: string; organizationId?: string; limit?: number },
): Promise<AuditRow[]> {
  const conds: SQL[] = [];
  // A user's own entries: those they caused and those about them.
  if (filter.userId) conds.push(or(eq(auditLog.actorId, filter.userId), eq(auditLog.subjectId, filter.userId))!);
  if (filter.action) conds.push(eq(auditLog.action, filter.action));
  if (filter.organizationId) conds.push(eq(auditLog.organizationId, filter.organizationId));
  return tx
    .select()
    .from(auditLog)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(filter.limit ?? 100);
}
