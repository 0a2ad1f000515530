/**
 * The append-only security log. Services record inside their own transaction (the event and the change commit
 * together); denials are recorded off the request path and never fail the request that triggered them.
 */
import { randomUUID } from 'node:crypto';
import type { Tx } from '../../db/database.ts';
import { groupCommit } from '../../db/group-commit.ts';
import type { RequestContext } from '../../http/context.ts';
import { safeError } from '../../http/safe-error.ts';
import { auditRowInsert, insertAuditRows, listAudit, type AuditRow } from './audit.repo.ts';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditEvent {
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** Defaults to the context's principal. */
  readonly actorId?: string | null;
  readonly subjectId?: string | null;
  readonly targetType?: string;
  readonly targetId?: string;
  readonly organizationId?: string;
  readonly storeId?: string;
  readonly details?: Record<string, unknown>;
}

export interface AuditService {
  record(tx: Tx, ctx: RequestContext, event: AuditEvent): Promise<void>;
  /**
   * The event's row as the values of `auditRowInsert.template(prefix)`: for a service whose change is one statement (a
   * CTE) that ends with the event's row, so the change and its event commit together in one round trip.
   */
  insertValues(prefix: string, ctx: RequestContext, event: AuditEvent): Record<string, unknown>;
  /** Fire-and-forget (denials, failed logins outside a transaction). Errors are logged, never thrown. */
  recordLater(ctx: RequestContext, event: AuditEvent): void;
  list(filter: Parameters<typeof listAudit>[1]): Promise<AuditRow[]>;
  /** Resolves when every recordLater so far has been written (tests, shutdown). */
  flush(): Promise<void>;
}

/** Longest text kept in a column of the audit row (ids, user agents, values echoed from a request). */
const MAX_TEXT = 512;
const NUL = new RegExp(String.fromCharCode(0), 'g');

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and values here may come straight from a request (a path parameter,
 * a header): a NUL would make the insert fail and the event vanish. Strings lose their NULs and are capped.
 */
function clean<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return (value.length > MAX_TEXT || value.includes('\u0000') ? value.replace(NUL, '').slice(0, MAX_TEXT) : value) as T;
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[clean(k, depth + 1)] = clean(v, depth + 1);
  return out as T;
}

function row(ctx: RequestContext, e: AuditEvent) {
  return clean({
    id: randomUUID(),
    actorId: e.actorId === undefined ? (ctx.principal?.userId ?? null) : e.actorId,
    subjectId: e.subjectId ?? null,
    action: e.action,
    outcome: e.outcome,
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    organizationId: e.organizationId ?? null,
    storeId: e.storeId ?? null,
    ip: ctx.ip,
    userAgent: ctx.userAgent ?? null,
    requestId: ctx.requestId,
    details: e.details ?? null,
  });
}

/** The most rows one deferred write carries. */
const MAX_BATCH = 500;

export function createAuditService(db: Tx): AuditService {
  // recordLater's rows are group-committed: those recorded in the same tick, and while a write is in flight, go in
  // one statement. A batch that fails is retried row by row, so one bad row loses nothing else; what still fails is
  // logged (the caller did not wait for it).
  const later = groupCommit<ReturnType<typeof row>, void>(async (rows) => {
    await insertAuditRows(db, rows);
    return rows.map(() => undefined);
  }, MAX_BATCH);

  return {
    record: (tx, ctx, event) => insertAuditRows(tx, [row(ctx, event)]),
    insertValues: (prefix, ctx, event) => auditRowInsert.values(prefix, row(ctx, event)),
    recordLater(ctx, event) {
      later.add(row(ctx, event)).catch((err: unknown) => ctx.log.error({ err: safeError(err), action: event.action }, 'audit write failed'));
    },
    list: (filter) => listAudit(db, filter),
    flush: () => later.settled(),
  };
}
