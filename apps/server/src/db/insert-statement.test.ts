import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bigint, boolean, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { openTestDatabase } from '../testing/database.ts';
import type { Database } from './database.ts';
import { insertRowsStatement } from './insert-statement.ts';
import { preparedSql } from './prepared.ts';

const probe = pgTable('insert_rows_probe', {
  id: uuid('id').primaryKey(),
  name: text('name'),
  n: integer('n'),
  big: bigint('big', { mode: 'number' }),
  flag: boolean('flag'),
  data: jsonb('data'),
  at: timestamp('at', { withTimezone: true }),
});

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
  await database.db.execute(
    sql`create table insert_rows_probe (id uuid primary key, name text, n integer, big bigint, flag boolean, data jsonb, at timestamptz)`,
  );
});
afterAll(async () => database?.close());

const rowsOf = (r: unknown) => ((r as { rows?: unknown[] }).rows ?? (r as unknown[])) as Array<Record<string, unknown>>;
const rows = insertRowsStatement(probe, ['id', 'name', 'n', 'big', 'flag', 'data', 'at']);
const insertProbe = preparedSql('insert_rows_probe_batch', rows.template('p_'));

describe('a batched insert statement', () => {
  it('writes every row with the values as given, however awkward for an array literal', async () => {
    const given = [
      { id: '00000000-0000-4000-8000-000000000001', name: 'NULL', n: 1, big: 2 ** 40, flag: true, data: { q: 'a "quoted", {braced} \\ back\\slash', u: 'ünï ✓' }, at: new Date('2026-01-02T03:04:05.678Z') },
      { id: '00000000-0000-4000-8000-000000000002', name: null, n: null, big: null, flag: null, data: null, at: null },
      { id: '00000000-0000-4000-8000-000000000003', name: ' spaced , comma ', n: -5, big: 0, flag: false, data: ['x', null, 3], at: new Date(0) },
    ];
    await insertProbe(database.db).execute(rows.values('p_', given));
    const got = await database.db.select().from(probe).orderBy(probe.id);
    expect(got).toEqual(given);
  });

  it('is one statement whatever the number of rows, and fails as a whole', async () => {
    const dup = '00000000-0000-4000-8000-000000000009';
    const batch = [
      { id: dup, name: 'a', n: 1, big: 1, flag: true, data: {}, at: new Date() },
      { id: dup, name: 'b', n: 2, big: 2, flag: true, data: {}, at: new Date() },
    ];
    await expect(insertProbe(database.db).execute(rows.values('p_', batch))).rejects.toThrow();
    const left = rowsOf(await database.db.execute(sql`select count(*)::int as n from insert_rows_probe where id = ${dup}::uuid`));
    expect(left[0]!.n).toBe(0);
  });
});
