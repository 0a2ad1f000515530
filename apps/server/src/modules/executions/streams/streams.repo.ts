/**
 * The reads streams need beyond the executions repository: a run's status (is it over?), the replay page shaped as
 * the live events are, and the snapshot of a user's open HITL requests (and of the ones a client was shown).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/database.ts';
import { eventsAfter, type HitlRow } from '../executions.repo.ts';
import { executions, hitlRequests } from '../executions.tables.ts';
import type { FeedEvent } from './event-feed.ts';

export async function executionStatus(db: Db, id: string): Promise<string | null> {
  const [r] = await db.select({ status: executions.status }).from(executions).where(eq(executions.id, id)).limit(1);
  return r?.status ?? null;
}

export async function replayAfter(db: Db, executionId: string, afterSeq: number, limit: number): Promise<FeedEvent[]> {
  const rows = await eventsAfter(db, executionId, afterSeq, limit);
  return rows.map((r) => ({ executionId: r.executionId, seq: r.seq, type: r.type, at: r.at.toISOString(), data: r.data as Record<string, unknown> }));
}

/** The caller's open requests, oldest first (the order they opened in); bounded like any list. */
export function openHitlSnapshot(db: Db, ownerId: string, limit: number): Promise<HitlRow[]> {
  return db
    .select()
    .from(hitlRequests)
    .where(and(eq(hitlRequests.ownerId, ownerId), eq(hitlRequests.status, 'open')))
    .orderBy(asc(hitlRequests.createdAt), asc(hitlRequests.id))
    .limit(limit);
}

/** Some of the caller's requests, whatever their status: what became of the ones a HITL socket showed as open. */
export function hitlOfOwner(db: Db, ownerId: string, ids: readonly string[]): Promise<HitlRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(hitlRequests)
    .where(and(eq(hitlRequests.ownerId, ownerId), inArray(hitlRequests.id, [...ids])));
}
