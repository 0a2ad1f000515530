/**
 * One PostgreSQL dialect, two drivers: embedded PGlite (default, data in DATA_DIR) and PostgreSQL via DATABASE_URL.
 * Both give the same Drizzle API, so repositories never know which one they talk to.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';
import { acquireDataDirLock } from './lock.ts';
import { fastPgliteClient } from './pglite-client.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database itself: repositories accept either, services own the transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface Database {
  readonly db: Db;
  readonly driver: 'pglite' | 'postgres';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, PGlite is used. */
  readonly url?: string | undefined;
  /** PGlite data directory; absent (with no url) means in memory (tests). */
  readonly dataDir?: string | undefined;
  readonly poolSize?: number;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10);
  return openPglite(opts.dataDir);
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's network error must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    migrate: () => migrate(db as never, { migrationsFolder: MIGRATIONS_DIR }),
    ping: async () => void (await db.execute(sql`select 1`)),
    close: () => pool.end(),
  };
}

/**
 * The type parsers drizzle-orm's PGlite driver passes with every query: dates, times and intervals (and arrays of
 * them, and numeric[]) come back as text, which Drizzle's column mappers then convert.
 */
const DRIZZLE_PARSERS: Readonly<Record<number, (value: string) => string>> = Object.fromEntries(
  [1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182].map((oid) => [oid, (value: string) => value]),
);

const INITDB_SCRIPT = fileURLToPath(new URL('./pglite-initdb.mjs', import.meta.url));

/**
 * Creates a new data directory in a child process (see pglite-initdb.mjs for why). If that fails, opening the
 * directory here creates it instead, and reports its own error if there is one.
 */
export async function initdbApart(dir: string): Promise<void> {
  await promisify(execFile)(process.execPath, [INITDB_SCRIPT, dir], { timeout: 120_000 }).catch(() => undefined);
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  let release: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    release = await acquireDataDirLock(dataDir);
    dir = join(dataDir, 'pglite');
  }
  let client: InstanceType<typeof PGlite>;
  try {
    if (dir && !existsSync(join(dir, 'PG_VERSION'))) await initdbApart(dir);
    client = await PGlite.create({ ...(dir ? { dataDir: dir } : {}), parsers: DRIZZLE_PARSERS });
  } catch (e) {
    await release?.();
    // PGlite's file-system errors are Emscripten objects ({ name: 'ErrnoError', errno }), not Errors: say what failed.
    if (e instanceof Error) throw e;
    throw new Error(`could not open the embedded database in ${dir ?? 'memory'}: ${JSON.stringify(e) ?? String(e)}`);
  }
  // PGlite builds its array-type parsers after start-up, over ours: put Drizzle's raw-text ones back.
  Object.assign(client.parsers, DRIZZLE_PARSERS);
  const db = drizzle({ client: fastPgliteClient(client) as unknown as typeof client, schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    migrate: () => migrate(db as never, { migrationsFolder: MIGRATIONS_DIR }),
    ping: async () => void (await db.execute(sql`select 1`)),
    async close() {
      await client.close();
      await release?.();
    },
  };
}
