import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/database.ts';
import { executionEvents, executionSteps, executions, hitlRequests } from './executions.tables.ts';

export type HitlRow = typeof hitlRequests.$inferSelect;
export type EventRow = typeof executionEvents.$inferSelect;

export async function executionOwner(db: Db, id: string): Promise<{ ownerId: string } | null> {
  const [r] = await db.select({ ownerId: executions.ownerId }).from(executions).where(eq(executions.id, id)).limit(1);
  return r ?? null;
}

/**
 * A step's number in its run (`<nodeId>#<n>`, counted as steps are created): the order steps that started in the same
 * millisecond began in. Pure nodes start without waiting for a commit, so a chain of them often shares a millisecond.
 */
const stepNumber = sql`substring(${executionSteps.stepId} from '#([0-9]+)$')::int`;

export function stepsOf(db: Db, executionId: string) {
  return db.select().from(executionSteps).where(eq(executionSteps.executionId, executionId)).orderBy(asc(executionSteps.startedAt), asc(stepNumber), asc(executionSteps.stepId));
}

export function eventsAfter(db: Db, executionId: string, afterSeq: number, limit = 1000): Promise<EventRow[]> {
  return db
    .select()
    .from(executionEvents)
    .where(and(eq(executionEvents.executionId, executionId), gt(executionEvents.seq, afterSeq)))
    .orderBy(asc(executionEvents.seq))
    .limit(limit);
}

export function eventsOfType(db: Db, executionId: string, type: string): Promise<EventRow[]> {
  return db
    .select()
    .from(executionEvents)
    .where(and(eq(executionEvents.executionId, executionId), eq(executionEvents.type, type)))
    .orderBy(asc(executionEvents.seq));
}

export async function hitlById(db: Db, id: string): Promise<HitlRow | null> {
  const [r] = await db.select().from(hitlRequests).where(eq(hitlRequests.id, id)).limit(1);
  return r ?? null;
}

export function openHitlOf(db: Db, ownerId: string, page: { page: number; perPage: number }) {
  return db
    .select()
    .from(hitlRequests)
    .where(and(eq(hitlRequests.ownerId, ownerId), eq(hitlRequests.status, 'open')))
    .orderBy(desc(hitlRequests.createdAt), hitlRequests.id)
    .limit(page.perPage)
    .offset((page.page - 1) * page.perPage);
}

export async function countOpenHitl(db: Db, ownerId: string): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(hitlRequests).where(and(eq(hitlRequests.ownerId, ownerId), eq(hitlRequests.status, 'open')));
  return Number(r?.n ?? 0);
}

/** Closes an open request exactly once: false when it was already answered (a duplicate response). */
export async function answerHitl(tx: Tx, id: string, decision: string, data: unknown): Promise<boolean> {
  const rows = await tx
    .update(hitlRequests)
    .set({ status: 'answered', decision, data: data ?? null, answeredAt: new Date() })
    .where(and(eq(hitlRequests.id, id), eq(hitlRequests.status, 'open')))
    .returning({ id: hitlRequests.id });
  return rows.length === 1;
}

export async function reopenHitl(tx: Tx, id: string): Promise<void> {
  await tx.update(hitlRequests).set({ status: 'open', decision: null, data: null, answeredAt: null }).where(eq(hitlRequests.id, id));
}
