import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../testing/database.ts';
import { initdbApart, openDatabase, type Database } from './database.ts';

const MIB = 1024 * 1024;

// The PGlite adapter installs Drizzle's type parsers once on the instance instead of per query (database.ts); these
// tests pin that every driver still returns the same values, in and out of transactions.
describe('the database layer', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database.close();
  });

  const rowsOf = (r: unknown) => ((r as { rows?: unknown[] }).rows ?? (r as unknown[])) as Array<Record<string, unknown>>;

  it('returns timestamps, dates, intervals and their arrays as Postgres text for Drizzle to map', async () => {
    const r = rowsOf(
      await database.db.execute(sql`select
        timestamptz '2026-01-02 03:04:05.678+00' as tz, timestamp '2026-01-02 03:04:05' as ts, date '2026-01-02' as d,
        interval '1 day 2 hours' as i, array[timestamptz '2026-01-02 00:00:00+00'] as tzs, array[1.5::numeric] as nums,
        42::int as n, true as b, '{"a":1}'::jsonb as j`),
    )[0]!;
    expect(typeof r.tz).toBe('string');
    expect(new Date(String(r.tz)).toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(r.ts).toBe('2026-01-02 03:04:05');
    expect(r.d).toBe('2026-01-02');
    expect(typeof r.i).toBe('string');
    expect(typeof r.tzs).toBe('string');
    expect(typeof r.nums).toBe('string');
    // Everything else is parsed as usual.
    expect(r.n).toBe(42);
    expect(r.b).toBe(true);
    expect(r.j).toEqual({ a: 1 });
  });

  it('parses the same inside a transaction and rolls back on error', async () => {
    await database.db.execute(sql`create table if not exists db_layer_probe (id int primary key, at timestamptz not null)`);
    const seen = await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into db_layer_probe values (1, '2026-05-06T07:08:09Z')`);
      return rowsOf(await tx.execute(sql`select at from db_layer_probe where id = 1`))[0]!.at;
    });
    expect(new Date(String(seen)).toISOString()).toBe('2026-05-06T07:08:09.000Z');
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into db_layer_probe values (2, now())`);
        await tx.execute(sql`insert into db_layer_probe values (2, now())`);
      }),
    ).rejects.toThrow();
    const count = rowsOf(await database.db.execute(sql`select count(*)::int as n from db_layer_probe`))[0]!.n;
    expect(count).toBe(1);
  });
});

/** Runs `fn` with a new temporary directory, removed afterwards whatever happens. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-db-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the embedded database on disk', () => {
  it('creates a new data directory, keeps what was written, and opens it again', async () => {
    await inTempDir(async (dir) => {
      const first = await openDatabase({ dataDir: dir });
      await first.db.execute(sql`create table kept (v text)`);
      await first.db.execute(sql`insert into kept values ('still here')`);
      await first.close();
      expect(existsSync(join(dir, 'pglite', 'PG_VERSION'))).toBe(true);

      const again = await openDatabase({ dataDir: dir });
      const r = await again.db.execute(sql`select v from kept`);
      expect(((r as { rows?: unknown[] }).rows ?? r) as unknown[]).toEqual([{ v: 'still here' }]);
      await again.close();
    });
  }, 60_000);

  it('creates a new cluster in a child process, so this one never holds initdb’s memory', async () => {
    await inTempDir(async (dir) => {
      const before = process.memoryUsage().external;
      await initdbApart(join(dir, 'pglite'));
      expect(existsSync(join(dir, 'pglite', 'PG_VERSION'))).toBe(true);
      // initdb in this process would add its WebAssembly instance (~630 MiB) until a full GC collected it.
      expect(process.memoryUsage().external - before).toBeLessThan(100 * MIB);
    });
  }, 60_000);

  it('fails start-up with the reason when the cluster cannot be created, and leaves the directory unlocked', async () => {
    await inTempDir(async (dir) => {
      // A file where the cluster's directory should be.
      await writeFile(join(dir, 'pglite'), 'not a directory');
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(`could not open the embedded database in ${join(dir, 'pglite')}: {"name":"ErrnoError"`);
      expect(existsSync(join(dir, 'gatehouse.lock'))).toBe(false);
    });
  }, 60_000);
});
