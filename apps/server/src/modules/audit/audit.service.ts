/**
 * The append-only security log. Services record inside their own transaction (the event and the change commit
 * together); denials are recorded off the request path and never fail the request that triggered them.
 */
import { randomUUID } from 'node:crypto';
import type { Tx } from '../../db/database.ts';
import type { RequestContext } from '../../http/context.ts';
import { safeError } from '../../http/safe-error.ts';
import { insertAudit, listAudit, type AuditRow } from './audit.repo.ts';

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
  /** Fire-and-forget (denials, failed logins outside a transaction). Errors are logged, never thrown. */
  recordLater(ctx: RequestContext, event: AuditEvent): void;
  list(filter: Parameters<typeof listAudit>[1]): Promise<AuditRow[]>;
  /** Resolves when every recordLater so far has been written (tests, shutdown). */
  flush(): Promise<void>;
}

function row(ctx: RequestContext, e: AuditEvent) {
  return {
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
  };
}

export function createAuditService(db: Tx): AuditService {
  const pending = new Set<Promise<void>>();
  return {
    record: (tx, ctx, event) => insertAudit(tx, [row(ctx, event)]),
    recordLater(ctx, event) {
      const p: Promise<void> = insertAudit(db, [row(ctx, event)])
        .catch((err: unknown) => ctx.log.error({ err: safeError(err), action: event.action }, 'audit write failed'))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    list: (filter) => listAudit(db, filter),
    async flush() {
      await Promise.all([...pending]);
    },
  };
}
