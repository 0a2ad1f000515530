import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Append-only security log. A trigger (migration 0001) refuses UPDATE and DELETE, so not even a bug in our own code
 * can rewrite history. Users are referenced by id without a foreign key: entries outlive the accounts they name.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: uuid('id').notNull().unique(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid('actor_id'),
    /** The user the event is about (the subject), when it is not the actor: e.g. the user an admin viewed. */
    subjectId: uuid('subject_id'),
    action: text('action').notNull(),
    outcome: text('outcome', { enum: ['success', 'failure', 'denied'] }).notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    organizationId: uuid('organization_id'),
    storeId: uuid('store_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_actor_at_idx').on(t.actorId, t.at),
    index('audit_subject_at_idx').on(t.subjectId, t.at),
    index('audit_org_at_idx').on(t.organizationId, t.at),
    index('audit_action_idx').on(t.action),
  ],
);
