import { count, type SQL } from 'drizzle-orm';
import type { PgSelect, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/database.ts';

export interface Page {
  readonly page: number;
  readonly perPage: number;
}

/** One page of a filtered query and the total of the filter, as CONTRACT.md's list envelope wants them. */
export async function paged<Q extends PgSelect>(tx: Tx, query: Q, table: PgTable, where: SQL | undefined, p: Page) {
  const [rows, totals] = await Promise.all([
    query.limit(p.perPage).offset((p.page - 1) * p.perPage),
    tx.select({ n: count() }).from(table).where(where),
  ]);
  return { rows: rows as Awaited<Q>, total: Number(totals[0]?.n ?? 0) };
}

export const listMeta = (p: Page, total: number) => ({ page: p.page, perPage: p.perPage, total });
