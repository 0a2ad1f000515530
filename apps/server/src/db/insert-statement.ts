/**
 * A one-row INSERT as a plain SQL fragment, for statements that chain several writes (a CTE). Drizzle's insert
 * builder walks every column of the table and checks each value's entity kind on every call (~0.1 ms a row here);
 * this renders the column list once, and binds each value with its column's own driver mapping (dates, JSON), as the
 * builder does. Columns left out take their database defaults.
 */
import { getTableName, sql, type SQL, type SQLChunk } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function insertStatement<T extends PgTable, K extends keyof T['$inferInsert'] & keyof T & string>(
  table: T,
  keys: readonly K[],
): (row: Pick<T['$inferInsert'], K>) => SQL {
  const columns = keys.map((k) => table[k] as unknown as PgColumn);
  const head = sql.raw(`insert into ${ident(getTableName(table))} (${columns.map((c) => ident(c.name)).join(', ')}) values (`);
  const comma = sql.raw(', ');
  const close = sql.raw(')');
  return (row) => {
    const chunks: SQLChunk[] = [head];
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) chunks.push(comma);
      chunks.push(sql.param((row as Record<string, unknown>)[keys[i]!] ?? null, columns[i]));
    }
    chunks.push(close);
    return sql.join(chunks);
  };
}
