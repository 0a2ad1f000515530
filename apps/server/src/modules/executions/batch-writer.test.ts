import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { ExecutionRecord, RunState, StepState } from '@gatehouse/engine';
import { openTestDatabase } from '../../testing/database.ts';
import type { Database } from '../../db/database.ts';
import { createBatchWriter, snapshot } from './batch-writer.ts';
import { createRunStore } from './run-store.ts';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => database?.close());

const rowsOf = (r: unknown) => ((r as { rows?: unknown[] }).rows ?? (r as unknown[])) as Array<Record<string, unknown>>;
const state = (): RunState => ({ edges: {}, steps: {}, loops: {}, ready: [], outputs: {}, seq: 0 });
const ev = (executionId: string, type: string, data: Record<string, unknown> = {}) => ({ executionId, type, at: new Date().toISOString(), data }) as never;

async function newRun(): Promise<ExecutionRecord> {
  const rec: ExecutionRecord = {
    id: randomUUID(), ownerId: randomUUID(), workflowId: randomUUID(), version: 1, mode: 'normal', status: 'queued',
    input: { n: 1 }, state: state(), pauseRequested: false, createdAt: new Date().toISOString(),
  };
  await createRunStore(database.db).insert(rec, [ev(rec.id, 'execution.status', { status: 'queued' })]);
  return rec;
}

const step = (n: number, status: StepState['status'] = 'succeeded'): StepState => ({ stepId: `s${n}`, nodeId: `node${n}`, status, attempt: 1, output: { n } });

describe('the batch writer', () => {
  it('writes many runs saved in the same tick in one commit, numbering each run’s events after its own', async () => {
    const writer = createBatchWriter(database.db);
    const runs = await Promise.all(Array.from({ length: 30 }, newRun));
    // Two saves of every run in the same batch: the second's events follow the first's.
    const results = await Promise.all(
      runs.flatMap((rec) => [
        writer.save({ rec: { ...rec, status: 'running' }, steps: [step(1, 'running')], events: [ev(rec.id, 'node.started')], releaseLease: false }),
        writer.save({ rec: { ...rec, status: 'succeeded', output: { ok: true } }, steps: [step(1)], events: [ev(rec.id, 'node.finished'), ev(rec.id, 'execution.finished')], releaseLease: true }),
      ]),
    );
    for (let i = 0; i < runs.length; i++) {
      expect(results[2 * i]!.map((e) => e.seq)).toEqual([2]);
      expect(results[2 * i + 1]!.map((e) => e.seq)).toEqual([3, 4]);
    }
    const id = runs[7]!.id;
    const row = rowsOf(await database.db.execute(sql`select status, event_seq, output from executions where id = ${id}::uuid`))[0]!;
    expect(row).toMatchObject({ status: 'succeeded', event_seq: 4, output: { ok: true } });
    const events = rowsOf(await database.db.execute(sql`select seq, type from execution_events where execution_id = ${id}::uuid order by seq`));
    expect(events).toEqual([
      { seq: 1, type: 'execution.status' },
      { seq: 2, type: 'node.started' },
      { seq: 3, type: 'node.finished' },
      { seq: 4, type: 'execution.finished' },
    ]);
    const steps = rowsOf(await database.db.execute(sql`select step_id, status from execution_steps where execution_id = ${id}::uuid`));
    expect(steps).toEqual([{ step_id: 's1', status: 'succeeded' }]);
  });

  it('writes values that are awkward in an array literal exactly as given', async () => {
    const writer = createBatchWriter(database.db);
    const rec = await newRun();
    const awkward = { text: 'a "quoted", {braced} \\ back\\slash NULL', list: [null, 'ünï ✓', 3] };
    const done: StepState = { stepId: 'x#1', nodeId: 'x', status: 'succeeded', attempt: 1, input: awkward, output: awkward };
    await writer.save({ rec: { ...rec, status: 'succeeded', output: awkward }, steps: [done], events: [ev(rec.id, 'node.finished', awkward)], releaseLease: true });
    const row = rowsOf(await database.db.execute(sql`select output from executions where id = ${rec.id}::uuid`))[0]!;
    expect(row.output).toEqual(awkward);
    const step = rowsOf(await database.db.execute(sql`select input, output from execution_steps where execution_id = ${rec.id}::uuid`))[0]!;
    expect(step).toEqual({ input: awkward, output: awkward });
    const event = rowsOf(await database.db.execute(sql`select data from execution_events where execution_id = ${rec.id}::uuid and seq = 2`))[0]!;
    expect(event.data).toEqual(awkward);
  });

  it('fails only the save of a run that no longer exists, and writes the others of its batch', async () => {
    const writer = createBatchWriter(database.db);
    const [a, b] = await Promise.all([newRun(), newRun()]);
    const ghost = { ...a!, id: randomUUID() };
    const saves = [a!, ghost, b!].map((rec) => writer.save({ rec: { ...rec, status: 'running' }, steps: [], events: [ev(rec.id, 'node.started')], releaseLease: false }));
    const settled = await Promise.allSettled(saves);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('copies a save when it is made, so later changes to the record are not written', () => {
    const rec: ExecutionRecord = { id: randomUUID(), ownerId: randomUUID(), workflowId: randomUUID(), version: 1, mode: 'normal', status: 'running', input: null, state: state(), pauseRequested: false, createdAt: new Date().toISOString() };
    const saved = snapshot({ rec, steps: [], events: [], releaseLease: false });
    rec.status = 'failed';
    expect(saved.status).toBe('running');
  });
});
