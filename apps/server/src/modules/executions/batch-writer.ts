/**
 * Group commit (db/group-commit.ts) for execution saves: every save waits until its data is committed, and saves
 * that arrive while a commit is in flight are written together in the next one. A batch is one SQL statement: a
 * multi-row UPDATE of the executions, the steps upserted and the events inserted in data-modifying CTEs, so it
 * commits atomically in one round trip, however many runs it carries. A batch with human-in-the-loop rows to write
 * (their own table, written by a hook) runs the hook and that statement in one transaction.
 *
 * A save is copied (serialized) when it is made, not when it is committed: the engine goes on changing the record
 * meanwhile (a thought is saved while its node still runs), and a commit must write what the save said. Several saves
 * of one execution in a batch are merged into one row update (the last state, every step once, all events in order).
 */
import { sql } from 'drizzle-orm';
import type { EngineEvent, ExecutionRecord, StepState, StoredEvent } from '@gatehouse/engine';
import type { Db, Tx } from '../../db/database.ts';
import { groupCommit } from '../../db/group-commit.ts';
import { preparedSql } from '../../db/prepared.ts';

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

const p = (name: string) => sql.placeholder(name);

/**
 * The whole batch as one prepared statement: its values travel as one array per column (unnest), so the text is the
 * same for every batch, rendered once and (on PostgreSQL) parsed and planned once per connection. Event sequence
 * numbers come from the counter the UPDATE bumps: the k-th of a run's n events in this batch gets
 * `event_seq - n + k`, the same numbers `assignSeqs` computes from what it returns.
 */
const batchStatement = preparedSql(
  'execution_saves_batch',
  sql`with v as (
    select * from unnest(${p('ids')}::uuid[], ${p('statuses')}::text[], ${p('states')}::jsonb[], ${p('outputs')}::jsonb[],
      ${p('errors')}::jsonb[], ${p('pauses')}::boolean[], ${p('starteds')}::timestamptz[], ${p('finisheds')}::timestamptz[],
      ${p('counts')}::int[], ${p('releases')}::boolean[])
      as v(id, status, state, output, error, pause_requested, started_at, finished_at, n, release)
  ), u as (
    update executions as e set
      status = v.status, state = v.state, output = v.output, error = v.error, pause_requested = v.pause_requested,
      started_at = v.started_at, finished_at = v.finished_at, event_seq = e.event_seq + v.n,
      lease_owner = case when v.release then null else e.lease_owner end,
      lease_until = case when v.release then null else e.lease_until end
    from v where e.id = v.id
    returning e.id, e.event_seq
  ), s as (
    insert into execution_steps (execution_id, step_id, node_id, status, attempt, input, output, error, started_at, finished_at)
    select * from unnest(${p('s_execs')}::uuid[], ${p('s_ids')}::text[], ${p('s_nodes')}::text[], ${p('s_statuses')}::text[],
      ${p('s_attempts')}::int[], ${p('s_inputs')}::jsonb[], ${p('s_outputs')}::jsonb[], ${p('s_errors')}::jsonb[],
      ${p('s_starteds')}::timestamptz[], ${p('s_finisheds')}::timestamptz[])
    on conflict (execution_id, step_id) do update set
      status = excluded.status, attempt = excluded.attempt, input = excluded.input, output = excluded.output,
      error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at
  ), ev as (
    insert into execution_events (execution_id, seq, type, at, data)
    select x.execution_id, u.event_seq - x.n + x.k, x.type, x.at, x.data
    from unnest(${p('e_execs')}::uuid[], ${p('e_ks')}::int[], ${p('e_ns')}::int[], ${p('e_types')}::text[],
      ${p('e_ats')}::timestamptz[], ${p('e_datas')}::jsonb[]) as x(execution_id, k, n, type, at, data)
    join u on u.id = x.execution_id
  )
  select id, event_seq from u`,
);

/** The arrays of `batchStatement` for a batch. */
function batchValues(runs: readonly MergedRun[]): Record<string, unknown[]> {
  const lasts = runs.map((r) => r.last);
  const steps = runs.flatMap((run) => run.steps.map((step) => ({ executionId: run.last.id, step })));
  const stepField = (i: number) => steps.map((x) => x.step[i]);
  const events = runs.flatMap((run) => run.events.map((e, i) => ({ executionId: run.last.id, k: i + 1, n: run.events.length, e })));
  return {
    ids: lasts.map((r) => r.id),
    statuses: lasts.map((r) => r.status),
    states: lasts.map((r) => r.state),
    outputs: lasts.map((r) => r.output),
    errors: lasts.map((r) => r.error),
    pauses: lasts.map((r) => r.pauseRequested),
    starteds: lasts.map((r) => r.startedAt),
    finisheds: lasts.map((r) => r.finishedAt),
    counts: runs.map((r) => r.events.length),
    releases: lasts.map((r) => r.releaseLease),
    s_execs: steps.map((x) => x.executionId),
    // StepRow's fields, in its order: stepId, nodeId, status, attempt, input, output, error, startedAt, finishedAt.
    s_ids: stepField(0),
    s_nodes: stepField(1),
    s_statuses: stepField(2),
    s_attempts: stepField(3),
    s_inputs: stepField(4),
    s_outputs: stepField(5),
    s_errors: stepField(6),
    s_starteds: stepField(7),
    s_finisheds: stepField(8),
    e_execs: events.map((x) => x.executionId),
    e_ks: events.map((x) => x.k),
    e_ns: events.map((x) => x.n),
    e_types: events.map((x) => x.e.type),
    e_ats: events.map((x) => x.e.at),
    e_datas: events.map((x) => JSON.stringify(x.e.data)),
  };
}

/** Each save's events with their sequence numbers, from the counters the UPDATE returned. */
function assignSeqs(runs: readonly MergedRun[], updated: Array<Record<string, unknown>>): Map<SavedRun, StoredEvent[]> {
  const lastSeq = new Map(updated.map((r) => [String(r.id), Number(r.event_seq)]));
  const stored = new Map<SavedRun, StoredEvent[]>();
  for (const run of runs) {
    const last = lastSeq.get(run.last.id);
    if (last === undefined) throw new Error(`execution ${run.last.id} vanished while running`);
    let seq = last - run.events.length;
    for (const part of run.parts) {
      const mine = part.events.map((e) => ({ ...e, seq: ++seq }));
      stored.set(part, mine);
    }
  }
  return stored;
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
  const hooked = hook ? runs.filter((r) => hook.needed(r)) : [];
  const write = async (tx: Tx) => {
    // The hook first: it may add to the events' data (a HITL request's id) before they are written.
    for (const run of hooked) await hook!.write(tx, run);
    const updated = rowsOf(await batchStatement(tx).execute(batchValues(runs)));
    const stored = assignSeqs(runs, updated);
    return saves.map((s) => stored.get(s)!);
  };
  return hooked.length === 0 ? write(db) : db.transaction(write);
}

export function createBatchWriter(db: Db, hook?: BatchHook) {
  const group = groupCommit<SavedRun, StoredEvent[]>((batch) => writeBatch(db, batch, hook), MAX_BATCH);
  return {
    save: (op: SaveOp): Promise<StoredEvent[]> => group.add(snapshot(op)),
  };
}
