import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastPgliteClient, type PgliteLike } from './pglite-client.ts';

type Res = { rows: unknown[]; fields: Array<{ name: string; dataTypeID: number }>; affectedRows?: number };

describe('the PGlite client with prepared statements', () => {
  let pg: PGlite;
  let fast: PgliteLike;
  const q = (text: string, params: unknown[] = [], o?: { rowMode?: 'array' | 'object' }) => fast.query(text, params, o) as Promise<Res>;
  const prepared = async () =>
    ((await pg.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements')).rows).filter((r) => r.name.startsWith('gh_'));

  beforeAll(async () => {
    pg = await PGlite.create();
    fast = fastPgliteClient(pg, { maxStatements: 3 });
    await pg.exec(`create table items (id int primary key, name text not null, data jsonb, at timestamptz default '2026-01-02T03:04:05Z', tags text[])`);
  });
  afterAll(async () => pg?.close());

  it('returns what PGlite’s own query returns, in object and array mode, for reads and writes', async () => {
    const insert = 'insert into items (id, name, data, tags) values ($1, $2, $3, $4) returning id, name, data, at, tags';
    const mine = await q(insert, [1, 'one', { a: [1, 2] }, ['x', 'y']]);
    const theirs = (await pg.query(insert, [2, 'one', { a: [1, 2] }, ['x', 'y']])) as Res;
    expect({ ...mine, rows: [{ ...(mine.rows[0] as object), id: 2 }] }).toEqual(theirs);
    expect(mine.rows).toEqual([{ id: 1, name: 'one', data: { a: [1, 2] }, at: new Date('2026-01-02T03:04:05Z'), tags: ['x', 'y'] }]);

    const select = 'select id, name, data, at, tags from items where name = $1 order by id';
    expect(await q(select, ['one'], { rowMode: 'array' })).toEqual(await pg.query(select, ['one'], { rowMode: 'array' }));
    expect(await q(select, ['one'])).toEqual(await pg.query(select, ['one']));

    const update = 'update items set name = $1 where id > $2';
    expect(await q(update, ['two', 0])).toMatchObject({ affectedRows: 2, rows: [] });
    expect((await q('select count(*)::int as n from items where name = $1', ['two'])).rows).toEqual([{ n: 2 }]);
    expect(await q('delete from items where id = $1', [2])).toMatchObject({ affectedRows: 1 });
    expect((await q('select id from items where id = $1', [null])).rows).toEqual([]);
  });

  it('prepares a statement text once and runs it as often as asked', async () => {
    const text = 'select id from items where id = $1';
    for (let i = 0; i < 5; i++) await q(text, [1]);
    expect((await prepared()).filter((p) => p.statement === text)).toHaveLength(1);
  });

  it('keeps at most its bound of statements prepared, closing the least recently used', async () => {
    for (let i = 0; i < 6; i++) await q(`select ${i} as n from items where id = $1`, [1]);
    // The last eviction's Close goes out with the next Parse: at most one over the bound at any time.
    expect((await prepared()).length).toBeLessThanOrEqual(4);
    expect((await q('select 5 as n from items where id = $1', [1])).rows).toEqual([{ n: 5 }]);
  });

  it('sees a table that changed shape under a prepared statement', async () => {
    await pg.exec(`create table shifting (id int)`);
    await pg.exec(`insert into shifting values (1)`);
    const text = 'select * from shifting where id = $1';
    expect((await q(text, [1])).rows).toEqual([{ id: 1 }]);
    await pg.exec(`alter table shifting add column label text default 'new'`);
    expect((await q(text, [1])).rows).toEqual([{ id: 1, label: 'new' }]);
    expect((await q(text, [1])).rows).toEqual([{ id: 1, label: 'new' }]);
  });

  it('passes a database error on with its code and stays usable; a statement that does not parse is not kept', async () => {
    await expect(q('insert into items (id, name) values ($1, $2)', [1, 'dup'])).rejects.toMatchObject({ code: '23505' });
    await expect(q('select nonsense from items where id = $1', [1])).rejects.toMatchObject({ code: '42703' });
    expect((await prepared()).some((p) => p.statement.includes('nonsense'))).toBe(false);
    expect((await q('select name from items where id = $1', [1])).rows).toEqual([{ name: 'two' }]);
  });

  it('leaves statements that are not plain data statements to PGlite', async () => {
    await q('create table made_here (id int)');
    expect((await q('select count(*)::int as n from made_here')).rows).toEqual([{ n: 0 }]);
    expect((await prepared()).some((p) => p.statement.includes('create table'))).toBe(false);
  });

  it('keeps a transaction’s statements inside it: a rollback undoes them, and concurrent statements wait outside', async () => {
    await q('create table ledger (id int primary key)');
    let opened: () => void = () => undefined;
    const isOpen = new Promise<void>((r) => (opened = r));
    const inside = fast.transaction(async (tx) => {
      await tx.query('insert into ledger values ($1)', [1]);
      opened();
      await new Promise((r) => setTimeout(r, 50));
      await tx.query('insert into ledger values ($1)', [2]);
      throw new Error('undo');
    });
    await isOpen;
    // Issued while the transaction is open: must neither join it nor see its rows.
    const outside = q('insert into ledger values ($1) returning id', [3]);
    await expect(inside).rejects.toThrow('undo');
    expect((await outside).rows).toEqual([{ id: 3 }]);
    expect((await q('select id from ledger order by id')).rows).toEqual([{ id: 3 }]);

    await fast.transaction(async (tx) => {
      await tx.query('insert into ledger values ($1)', [4]);
      await expect(tx.query('insert into ledger values ($1)', [4])).rejects.toMatchObject({ code: '23505' });
    }).catch(() => undefined);
    expect((await q('select id from ledger order by id')).rows).toEqual([{ id: 3 }]);
  });

  it('serializes every kind of parameter as PGlite does: JSON, arrays, dates, booleans, NULL', async () => {
    await q('create table kinds (j jsonb, a int[], d timestamptz, b boolean, n text)');
    const at = new Date('2026-12-05T10:00:00Z');
    await q('insert into kinds values ($1, $2, $3, $4, $5)', [{ deep: { x: 1 } }, [1, 2, 3], at, true, null]);
    expect((await q('select j, a, d, b, n from kinds')).rows).toEqual([{ j: { deep: { x: 1 } }, a: [1, 2, 3], d: at, b: true, n: null }]);
  });
});
