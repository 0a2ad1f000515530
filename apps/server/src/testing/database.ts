/**
 * A fresh, migrated database per test file: in-memory PGlite by default, or a throw-away database on the PostgreSQL
 * server named by TEST_DATABASE_URL (CI sets it), so the same suite runs on both drivers.
 */
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../db/database.ts';

export const testDriver = (): 'pglite' | 'postgres' => (process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');

export async function openTestDatabase(): Promise<Database> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const db = await openDatabase({});
    await db.migrate();
    return db;
  }
  const { default: pg } = await import('pg');
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), poolSize: 10 });
  await db.migrate();
  return {
    ...db,
    async close() {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
