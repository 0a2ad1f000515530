import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import type { ExecutionRecord } from '@gatehouse/engine';
import { openTestDatabase } from '../../testing/database.ts';
import type { Database } from '../../db/database.ts';
import { createRunStore } from './run-store.ts';
import { executionEvents, executions } from './executions.tables.ts';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => database?.close());

const rec = (input: unknown, id: string = randomUUID()): ExecutionRecord => ({
  id,
  ownerId: randomUUID(),
  workflowId: randomUUID(),
  version: 3,
  mode: 'normal',
  status: 'queued',
  input,
  state: { edges: {}, steps: {}, loops: {}, ready: ['t'], outputs: {}, seq: 0 },
  pauseRequested: false,
  createdAt: new Date().toISOString(),
});
const ev = (executionId: string, type: 'execution.status' | 'thought', data: Record<string, unknown>) => ({ executionId, type, at: new Date().toISOString(), data });

describe('starting runs in the run store', () => {
  it('writes every run started in the same tick, each with its own first events numbered from 1', async () => {
    const store = createRunStore(database.db);
    const runs = Array.from({ length: 25 }, (_, i) => rec(i % 5 === 0 ? null : { n: i, text: 'a "quoted" {value}, \\ too' }));
    const stored = await Promise.all(
      runs.map((r, i) => store.insert(r, i % 2 ? [ev(r.id, 'execution.status', { status: 'queued' }), ev(r.id, 'thought', { i })] : [], { owner: 'me', ms: 30_000 })),
    );
    expect(stored.map((s) => s.map((e) => e.seq))).toEqual(runs.map((_, i) => (i % 2 ? [1, 2] : [])));
    for (const [i, r] of runs.entries()) {
      const back = await store.get(r.id);
      expect(back).toMatchObject({ id: r.id, ownerId: r.ownerId, workflowId: r.workflowId, version: 3, status: 'queued', input: r.input, state: r.state });
      const [row] = await database.db.select({ seq: executions.eventSeq, lease: executions.leaseOwner }).from(executions).where(eq(executions.id, r.id));
      expect(row).toEqual({ seq: i % 2 ? 2 : 0, lease: 'me' });
      const events = await database.db.select().from(executionEvents).where(eq(executionEvents.executionId, r.id)).orderBy(asc(executionEvents.seq));
      expect(events.map((e) => [e.seq, e.type, e.data])).toEqual(i % 2 ? [[1, 'execution.status', { status: 'queued' }], [2, 'thought', { i }]] : []);
    }
  });

  it('fails only the start that cannot be written when runs are started together', async () => {
    const store = createRunStore(database.db);
    const taken = rec({ first: true });
    await store.insert(taken, []);
    const others = [rec({ a: 1 }), rec({ b: 2 })];
    const results = await Promise.allSettled([
      store.insert(others[0]!, [ev(others[0]!.id, 'execution.status', { status: 'queued' })]),
      store.insert(rec({ second: true }, taken.id), [ev(taken.id, 'execution.status', { status: 'queued' })]),
      store.insert(others[1]!, []),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    for (const o of others) expect((await store.get(o.id))?.input).toEqual(o.input);
    // The run that was there is untouched, and the refused start left no event behind.
    expect((await store.get(taken.id))?.input).toEqual({ first: true });
    expect(await database.db.select().from(executionEvents).where(eq(executionEvents.executionId, taken.id))).toEqual([]);
  });
});
