import { and, desc, eq, or, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { insertRowsStatement, insertStatement } from '../../db/insert-statement.ts';
import { preparedSql } from '../../db/prepared.ts';
import { auditLog } from './audit.tables.ts';

export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;

const AUDIT_COLUMNS = [
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
] as const;
type AuditValues = Pick<NewAuditRow, (typeof AUDIT_COLUMNS)[number]>;

const auditRows = insertRowsStatement(auditLog, AUDIT_COLUMNS);
const insertAuditBatch = preparedSql('audit_insert_batch', auditRows.template(''));

/** Audit rows in one prepared statement, however many (the deferred writes' batches): no query building per row. */
export async function insertAuditRows(tx: Tx, rows: readonly AuditValues[]): Promise<void> {
  if (rows.length > 0) await insertAuditBatch(tx).execute(auditRows.values('', rows));
}

/**
 * The INSERT of one audit row, for a statement of another module that writes its change and the event together (a
 * CTE): `auditRowInsert.template(prefix)` in the statement, `AuditService.insertValues(prefix, …)` for its values.
 */
export const auditRowInsert = insertStatement(auditLog, AUDIT_COLUMNS);

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
