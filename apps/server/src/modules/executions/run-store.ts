/**
 * The engine's RunStore on the database. A save writes the execution row, the changed steps and the events in one
 * transaction, and the caller continues only once it is committed: every finished node is durable before the next
 * one starts.
 *
 * Event sequence numbers come from a counter on the execution row, bumped in the same UPDATE that saves the state;
 * only the lease holder saves a running execution, so the counter never races.
 */
import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { ExecutionRecord, Recoverable, RunStore, RunState, StoredEvent } from '@gatehouse/engine';
import type { Db, Tx } from '../../db/database.ts';
import { groupCommit } from '../../db/group-commit.ts';
import { insertRowsStatement } from '../../db/insert-statement.ts';
import { preparedSql } from '../../db/prepared.ts';
import { randomUUID } from 'node:crypto';
import { createBatchWriter, type MergedRun } from './batch-writer.ts';
import { executions, hitlRequests } from './executions.tables.ts';

type Row = typeof executions.$inferSelect;

const date = (s: string | undefined) => (s ? new Date(s) : null);

export function toRecord(r: Row): ExecutionRecord {
  return {
    id: r.id,
    ownerId: r.ownerId,
    workflowId: r.workflowId,
    version: r.version,
    mode: r.mode,
    status: r.status as ExecutionRecord['status'],
    input: r.input ?? null,
    state: r.state as RunState,
    ...(r.output !== null ? { output: r.output } : {}),
    ...(r.error !== null ? { error: r.error as ExecutionRecord['error'] } : {}),
    pauseRequested: r.pauseRequested,
    ...(r.startedAt ? { startedAt: r.startedAt.toISOString() } : {}),
    ...(r.finishedAt ? { finishedAt: r.finishedAt.toISOString() } : {}),
    createdAt: r.createdAt.toISOString(),
  };
}

/**
 * Human-in-the-loop requests are rows of their own, written in the same transaction as the event that opens them
 * (so a crash cannot lose one), and closed with the run: a finished execution leaves no request open. An answered
 * request is the durable record of the answer: the engine reads it back (`answers`) if the run was running elsewhere
 * when it came, or the process died before the run took it.
 */
const hitlNeeded = (run: MergedRun) => run.approvals || run.events.some((e) => e.type.startsWith('hitl.'));

async function writeHitl(tx: Tx, run: MergedRun): Promise<void> {
  const { last, events } = run;
  for (const e of events) {
    if (e.type !== 'hitl.requested') continue;
    const d = e.data as { nodeId: string; stepId: string; prompt: string; formSchema?: unknown; timeoutAt?: string };
    const id = randomUUID();
    (e.data as Record<string, unknown>).hitlId = id;
    await tx.insert(hitlRequests).values({
      id,
      executionId: last.id,
      ownerId: last.ownerId,
      nodeId: d.nodeId,
      stepId: d.stepId,
      prompt: d.prompt,
      formSchema: d.formSchema ?? null,
      timeoutAt: date(d.timeoutAt),
    });
  }
  const timedOut = events.filter((e) => e.type === 'hitl.resolved' && (e.data.data as { timedOut?: boolean } | null)?.timedOut === true);
  for (const e of timedOut) {
    await tx
      .update(hitlRequests)
      .set({ status: 'expired', answeredAt: new Date() })
      .where(and(eq(hitlRequests.executionId, last.id), eq(hitlRequests.stepId, String(e.data.stepId)), eq(hitlRequests.status, 'open')));
  }
  if (['succeeded', 'failed', 'stopped', 'crashed'].includes(last.status)) {
    await tx
      .update(hitlRequests)
      .set({ status: 'cancelled', answeredAt: new Date() })
      .where(and(eq(hitlRequests.executionId, last.id), eq(hitlRequests.status, 'open')));
  }
}

const p = (name: string) => sql.placeholder(name);
const executionRows = insertRowsStatement(executions, [
  'id',
  'ownerId',
  'workflowId',
  'version',
  'mode',
  'status',
  'input',
  'state',
  'pauseRequested',
  'eventSeq',
  'createdAt',
  'leaseOwner',
  'leaseUntil',
]);
type NewExecution = Parameters<typeof executionRows.values>[1][number];
/**
 * Starting runs is the hottest write there is: the rows and their first events, for every run started meanwhile
 * (group commit), in one prepared statement whatever their number. The events' join to the inserted rows makes them
 * part of the same statement, so a batch is atomic without a transaction.
 */
const insertExecutions = preparedSql(
  'executions_insert_batch',
  sql`with e as (${executionRows.template('')} returning id)
  insert into execution_events (execution_id, seq, type, at, data)
  select v.execution_id, v.seq, v.type, v.at, v.data
  from unnest(${p('ev_ids')}::uuid[], ${p('ev_seqs')}::int[], ${p('ev_types')}::text[], ${p('ev_ats')}::timestamptz[], ${p('ev_datas')}::jsonb[])
    as v(execution_id, seq, type, at, data)
  join e on e.id = v.execution_id`,
);

export function createRunStore(db: Db): RunStore & { clearLeases(): Promise<void> } {
  const writer = createBatchWriter(db, { needed: hitlNeeded, write: writeHitl });
  const inserts = groupCommit<{ row: NewExecution; events: readonly StoredEvent[] }, void>(async (batch) => {
    const events = batch.flatMap((b) => b.events);
    await insertExecutions(db).execute({
      ...executionRows.values('', batch.map((b) => b.row)),
      ev_ids: events.map((e) => e.executionId),
      ev_seqs: events.map((e) => e.seq),
      ev_types: events.map((e) => e.type),
      ev_ats: events.map((e) => e.at),
      ev_datas: events.map((e) => JSON.stringify(e.data)),
    });
    return batch.map(() => undefined);
  });
  const released = new Set<string>();
  return {
    async insert(rec, events, lease) {
      const stored = events.map((e, i) => ({ ...e, seq: i + 1 }));
      await inserts.add({
        row: {
          id: rec.id,
          ownerId: rec.ownerId,
          workflowId: rec.workflowId,
          version: rec.version,
          mode: rec.mode,
          status: rec.status,
          input: rec.input ?? null,
          state: rec.state,
          pauseRequested: rec.pauseRequested,
          eventSeq: events.length,
          createdAt: new Date(rec.createdAt),
          leaseOwner: lease?.owner ?? null,
          leaseUntil: lease ? Date.now() + lease.ms : null,
        },
        events: stored,
      });
      return stored;
    },

    async get(id) {
      const [r] = await db.select().from(executions).where(eq(executions.id, id)).limit(1);
      return r ? toRecord(r) : null;
    },

    save(rec, steps, events) {
      // A run that is no longer running gives its lease up in the same write.
      const releaseLease = rec.status !== 'running' && rec.status !== 'queued';
      if (releaseLease) released.add(rec.id);
      return writer.save({ rec, steps, events, releaseLease });
    },

    async claimAndLoad(id, instance, leaseMs) {
      const now = Date.now();
      const [row] = await db
        .update(executions)
        .set({ leaseOwner: instance, leaseUntil: now + leaseMs })
        .where(and(eq(executions.id, id), or(isNull(executions.leaseOwner), eq(executions.leaseOwner, instance), lt(executions.leaseUntil, now))))
        .returning();
      return row ? toRecord(row) : null;
    },

    async claim(id, instance, leaseMs) {
      const now = Date.now();
      const rows = await db
        .update(executions)
        .set({ leaseOwner: instance, leaseUntil: now + leaseMs })
        .where(and(eq(executions.id, id), or(isNull(executions.leaseOwner), eq(executions.leaseOwner, instance), lt(executions.leaseUntil, now))))
        .returning({ id: executions.id });
      return rows.length === 1;
    },

    async release(id, instance) {
      if (released.delete(id)) return;
      await db
        .update(executions)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(and(eq(executions.id, id), eq(executions.leaseOwner, instance)));
    },

    async renew(ids, instance, leaseMs) {
      if (ids.length === 0) return;
      await db
        .update(executions)
        .set({ leaseUntil: Date.now() + leaseMs })
        .where(and(inArray(executions.id, [...ids]), eq(executions.leaseOwner, instance)));
    },

    async recoverable(): Promise<Recoverable> {
      const now = Date.now();
      const runnable = await db
        .select({ id: executions.id })
        .from(executions)
        .where(and(inArray(executions.status, ['queued', 'running']), or(isNull(executions.leaseUntil), lt(executions.leaseUntil, now))));
      // Paused runs keep their waits: a timer that ends while paused is recorded, and the node runs after resume.
      const waiting = await db.select({ id: executions.id, state: executions.state }).from(executions).where(inArray(executions.status, ['waiting', 'paused']));
      const waits: Recoverable['waits'] = [];
      const children: NonNullable<Recoverable['children']> = [];
      for (const w of waiting) {
        for (const s of Object.values((w.state as RunState).steps)) {
          if (s.status !== 'waiting' || !s.wait) continue;
          const at = s.wait.kind === 'timer' ? s.wait.until : s.wait.kind === 'approval' ? s.wait.timeoutAt : undefined;
          if (at) waits.push({ id: w.id, nodeId: s.nodeId, stepId: s.stepId, at });
          if (s.wait.kind === 'execution') children.push({ id: w.id, nodeId: s.nodeId, stepId: s.stepId, childId: s.wait.executionId });
        }
      }
      return { runnable: runnable.map((r) => r.id), waits, children };
    },

    async answers(executionId) {
      const rows = await db
        .select({ stepId: hitlRequests.stepId, nodeId: hitlRequests.nodeId, decision: hitlRequests.decision, data: hitlRequests.data })
        .from(hitlRequests)
        .where(and(eq(hitlRequests.executionId, executionId), eq(hitlRequests.status, 'answered')));
      return rows.map((r) => ({ stepId: r.stepId, nodeId: r.nodeId, data: { decision: r.decision, data: r.data ?? null } }));
    },

    /** Embedded mode has exactly one process: any lease found at start belongs to a process that is gone. */
    async clearLeases() {
      await db.update(executions).set({ leaseOwner: null, leaseUntil: null }).where(sql`${executions.leaseOwner} is not null`);
    },
  };
}
