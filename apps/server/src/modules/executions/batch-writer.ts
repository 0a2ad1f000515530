/**
 * Group commit (db/group-commit.ts) for execution saves: every save waits until its data is committed, and saves
 * that arrive while a commit is in flight are written together in the next one. A batch is one SQL statement: a
 * multi-row UPDATE of the executions, the steps upserted and the events inserted in data-modifying CTEs, so it
 * commits atomically in one round trip, however many runs it carries. A batch with human-in-the-loop rows to write
 * (their own table, written by a hook) runs in a transaction instead.
 *
 * A save is copied (serialized) when it is made, not when it is committed: the engine goes on changing the record
 * meanwhile (a thought is saved while its node still runs), and a commit must write what the save said. Several saves
 * of one execution in a batch are merged into one row update (the last state, every step once, all events in order).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { EngineEvent, ExecutionRecord, StepState, StoredEvent } from '@gatehouse/engine';
import type { Db, Tx } from '../../db/database.ts';
import { groupCommit } from '../../db/group-commit.ts';

export interface SaveOp {
  readonly rec: ExecutionRecord;
  readonly steps: readonly StepState[];
  readonly events: readonly EngineEvent[];
  readonly releaseLease: boolean;
}

/** A save as it was when made. */
export interface SavedRun {
  readonly id: string;
  readonly ownerId: string;
  readonly status: string;
  readonly state: string;
  readonly output: string | null;
  readonly error: string | null;
  readonly pauseRequested: boolean;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Whether the run ever waited for a person (it has HITL requests to keep in step). */
  readonly approvals: boolean;
  readonly steps: readonly StepRow[];
  readonly events: readonly EngineEvent[];
  readonly releaseLease: boolean;
}

type StepRow = readonly [stepId: string, nodeId: string, status: string, attempt: number, input: string | null, output: string | null, error: string | null, startedAt: string | null, finishedAt: string | null];

const MAX_BATCH = 200;
const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
const ts = (s: string | undefined) => s ?? null;

/**
 * The persisted run state leaves out step inputs and outputs: the step rows hold them, and the `outputs` map the
 * run continues from holds the outputs once. Saving them twice would double every save's size.
 */
export function persistedState(state: ExecutionRecord['state']): string {
  const steps: Record<string, unknown> = {};
  for (const [k, st] of Object.entries(state.steps)) {
    const { input: _i, output: _o, ...rest } = st;
    steps[k] = rest;
  }
  return JSON.stringify({ ...state, steps });
}

export function snapshot(op: SaveOp): SavedRun {
  const { rec } = op;
  return {
    id: rec.id,
    ownerId: rec.ownerId,
    status: rec.status,
    state: persistedState(rec.state),
    output: json(rec.output),
    error: json(rec.error),
    pauseRequested: rec.pauseRequested,
    startedAt: ts(rec.startedAt),
    finishedAt: ts(rec.finishedAt),
    approvals: Object.values(rec.state.steps).some((s) => s.wait?.kind === 'approval'),
    steps: op.steps.map((s) => [s.stepId, s.nodeId, s.status, s.attempt, json(s.input), json(s.output), json(s.error), ts(s.startedAt), ts(s.finishedAt)] as const),
    events: [...op.events],
    releaseLease: op.releaseLease,
  };
}

/** The saves of one execution in a batch, merged: the last one's row, each step once (latest), every event in order. */
export interface MergedRun {
  readonly last: SavedRun;
  readonly parts: readonly SavedRun[];
  readonly steps: readonly StepRow[];
  readonly events: readonly EngineEvent[];
  readonly approvals: boolean;
}

function merge(saves: readonly SavedRun[]): MergedRun[] {
  const byId = new Map<string, SavedRun[]>();
  for (const s of saves) {
    const list = byId.get(s.id);
    if (list) list.push(s);
    else byId.set(s.id, [s]);
  }
  return [...byId.values()].map((parts) => {
    const steps = new Map<string, StepRow>();
    for (const p of parts) for (const row of p.steps) steps.set(row[0], row);
    return { last: parts.at(-1)!, parts, steps: [...steps.values()], events: parts.flatMap((p) => p.events), approvals: parts.some((p) => p.approvals) };
  });
}

function updateExecutions(runs: readonly MergedRun[]): SQL {
  const rows = runs.map(({ last: r, events }) =>
    sql`(${r.id}::uuid, ${r.status}, ${r.state}::jsonb, ${r.output}::jsonb, ${r.error}::jsonb, ${r.pauseRequested}::boolean, ${r.startedAt}::timestamptz, ${r.finishedAt}::timestamptz, ${events.length}::int, ${r.releaseLease}::boolean)`,
  );
  return sql`
    update executions as e set
      status = v.status, state = v.state, output = v.output, error = v.error, pause_requested = v.pause_requested,
      started_at = v.started_at, finished_at = v.finished_at, event_seq = e.event_seq + v.n,
      lease_owner = case when v.release then null else e.lease_owner end,
      lease_until = case when v.release then null else e.lease_until end
    from (values ${sql.join(rows, sql`, `)}) as v(id, status, state, output, error, pause_requested, started_at, finished_at, n, release)
    where e.id = v.id
    returning e.id, e.event_seq`;
}

function upsertSteps(items: ReadonlyArray<{ executionId: string; step: StepRow }>): SQL {
  const rows = items.map(
    ({ executionId, step: [stepId, nodeId, status, attempt, input, output, error, startedAt, finishedAt] }) =>
      sql`(${executionId}::uuid, ${stepId}, ${nodeId}, ${status}, ${attempt}::int, ${input}::jsonb, ${output}::jsonb, ${error}::jsonb, ${startedAt}::timestamptz, ${finishedAt}::timestamptz)`,
  );
  return sql`
    insert into execution_steps (execution_id, step_id, node_id, status, attempt, input, output, error, started_at, finished_at)
    values ${sql.join(rows, sql`, `)}
    on conflict (execution_id, step_id) do update set
      status = excluded.status, attempt = excluded.attempt, input = excluded.input, output = excluded.output,
      error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at`;
}

function insertEvents(events: readonly StoredEvent[]): SQL {
  const rows = events.map((e) => sql`(${e.executionId}::uuid, ${e.seq}::int, ${e.type}, ${e.at}::timestamptz, ${JSON.stringify(e.data)}::jsonb)`);
  return sql`insert into execution_events (execution_id, seq, type, at, data) values ${sql.join(rows, sql`, `)}`;
}

/**
 * The whole batch as one statement. Event sequence numbers come from the counter the UPDATE bumps: the k-th of a
 * run's n events in this batch gets `event_seq - n + k`, the same numbers `assignSeqs` computes from what it returns.
 */
function oneStatement(runs: readonly MergedRun[]): SQL {
  const steps = runs.flatMap((run) => run.steps.map((step) => ({ executionId: run.last.id, step })));
  const events = runs.flatMap((run) =>
    run.events.map((e, i) => sql`(${run.last.id}::uuid, ${i + 1}::int, ${run.events.length}::int, ${e.type}, ${e.at}::timestamptz, ${JSON.stringify(e.data)}::jsonb)`),
  );
  const parts: SQL[] = [sql`u as (${updateExecutions(runs)})`];
  if (steps.length > 0) parts.push(sql`s as (${upsertSteps(steps)})`);
  if (events.length > 0) {
    parts.push(sql`ev as (
      insert into execution_events (execution_id, seq, type, at, data)
      select x.execution_id, u.event_seq - x.n + x.k, x.type, x.at, x.data
      from (values ${sql.join(events, sql`, `)}) as x(execution_id, k, n, type, at, data) join u on u.id = x.execution_id)`);
  }
  return sql`with ${sql.join(parts, sql`, `)} select id, event_seq from u`;
}

/** Each save's events with their sequence numbers, from the counters the UPDATE returned. */
function assignSeqs(runs: readonly MergedRun[], updated: Array<Record<string, unknown>>): { stored: Map<SavedRun, StoredEvent[]>; all: StoredEvent[] } {
  const lastSeq = new Map(updated.map((r) => [String(r.id), Number(r.event_seq)]));
  const stored = new Map<SavedRun, StoredEvent[]>();
  const all: StoredEvent[] = [];
  for (const run of runs) {
    const last = lastSeq.get(run.last.id);
    if (last === undefined) throw new Error(`execution ${run.last.id} vanished while running`);
    let seq = last - run.events.length;
    for (const part of run.parts) {
      const mine = part.events.map((e) => ({ ...e, seq: ++seq }));
      stored.set(part, mine);
      all.push(...mine);
    }
  }
  return { stored, all };
}

const rowsOf = (r: unknown): Array<Record<string, unknown>> =>
  Array.isArray(r) ? r : ((r as { rows?: Array<Record<string, unknown>> }).rows ?? []);

/** A hook writing rows of its own for some runs, in the batch's transaction (human-in-the-loop requests). */
export interface BatchHook {
  needed(run: MergedRun): boolean;
  write(tx: Tx, run: MergedRun): Promise<void>;
}

/** Writes a batch; returns each save's stored events, in the order of `saves`. */
export async function writeBatch(db: Db, saves: readonly SavedRun[], hook?: BatchHook): Promise<StoredEvent[][]> {
  const runs = merge(saves);
  if (!hook || !runs.some((r) => hook.needed(r))) {
    const updated = rowsOf(await db.execute(oneStatement(runs)));
    const { stored } = assignSeqs(runs, updated);
    return saves.map((s) => stored.get(s)!);
  }
  return db.transaction(async (tx) => {
    const updated = rowsOf(await tx.execute(updateExecutions(runs)));
    const { stored, all } = assignSeqs(runs, updated);
    const steps = runs.flatMap((run) => run.steps.map((step) => ({ executionId: run.last.id, step })));
    if (steps.length > 0) await tx.execute(upsertSteps(steps));
    for (const run of runs) if (hook.needed(run)) await hook.write(tx, run);
    if (all.length > 0) await tx.execute(insertEvents(all));
    return saves.map((s) => stored.get(s)!);
  });
}

export function createBatchWriter(db: Db, hook?: BatchHook) {
  const group = groupCommit<SavedRun, StoredEvent[]>((batch) => writeBatch(db, batch, hook), MAX_BATCH);
  return {
    save: (op: SaveOp): Promise<StoredEvent[]> => group.add(snapshot(op)),
  };
}
