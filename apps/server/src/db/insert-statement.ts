/**
 * A one-row INSERT as a plain SQL fragment, for statements that chain several writes (a CTE). Drizzle's insert
 * builder walks every column of the table and checks each value's entity kind on every call (~0.1 ms a row here);
 * this renders the column list once, and binds each value with its column's own driver mapping (dates, JSON), as the
 * builder does. Columns left out take their database defaults.
 *
 * For a statement run often, `template` and `values` give the same INSERT with placeholders, so the whole statement
 * can be prepared once (see db/prepared.ts): Drizzle's rendering of a statement with ~20 parameters costs ~75 µs.
 */
import { getTableName, sql, type SQL, type SQLChunk } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `row[key]` as Drizzle binds it: null (or absent) stays NULL, anything else goes through the column's mapping. */
function driverValue(column: PgColumn, row: unknown, key: string): unknown {
  const v = (row as Record<string, unknown>)[key] ?? null;
  return v === null ? null : column.mapToDriverValue(v);
}

export interface InsertStatement<Row> {
  (row: Row): SQL;
  /** The same INSERT with the placeholders `<prefix><key>`. */
  template(prefix: string): SQL;
  /** The values of `template(prefix)`'s placeholders for `row`, mapped for the driver as bound values are. */
  values(prefix: string, row: Row): Record<string, unknown>;
}

export function insertStatement<T extends PgTable, K extends keyof T['$inferInsert'] & keyof T & string>(
  table: T,
  keys: readonly K[],
): InsertStatement<Pick<T['$inferInsert'], K>> {
  const columns = keys.map((k) => table[k] as unknown as PgColumn);
  const head = sql.raw(`insert into ${ident(getTableName(table))} (${columns.map((c) => ident(c.name)).join(', ')}) values (`);
  const comma = sql.raw(', ');
  const close = sql.raw(')');
  const render = (value: (i: number) => SQLChunk): SQL => {
    const chunks: SQLChunk[] = [head];
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) chunks.push(comma);
      chunks.push(value(i));
    }
    chunks.push(close);
    return sql.join(chunks);
  };
  const valueOf = (row: unknown, i: number) => (row as Record<string, unknown>)[keys[i]!] ?? null;
  const statement = (row: Pick<T['$inferInsert'], K>) => render((i) => sql.param(valueOf(row, i), columns[i]));
  statement.template = (prefix: string) => render((i) => sql.placeholder(`${prefix}${keys[i]}`));
  statement.values = (prefix: string, row: Pick<T['$inferInsert'], K>) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[`${prefix}${keys[i]}`] = driverValue(columns[i]!, row, keys[i]!);
    return out;
  };
  return statement;
}

export interface InsertRowsStatement<Row> {
  /**
   * `insert into <table> (<columns>) select * from unnest(<prefix><key>::<type>[], …)`: any number of rows with one
   * text (one array placeholder per column), so a batched insert can be prepared once.
   */
  template(prefix: string): SQL;
  /** The arrays of `template(prefix)`'s placeholders for `rows`, each value mapped for the driver as bound values are. */
  values(prefix: string, rows: readonly Row[]): Record<string, unknown[]>;
}

export function insertRowsStatement<T extends PgTable, K extends keyof T['$inferInsert'] & keyof T & string>(
  table: T,
  keys: readonly K[],
): InsertRowsStatement<Pick<T['$inferInsert'], K>> {
  const columns = keys.map((k) => table[k] as unknown as PgColumn);
  const into = `insert into ${ident(getTableName(table))} (${columns.map((c) => ident(c.name)).join(', ')}) select * from unnest(`;
  return {
    template(prefix) {
      const chunks: SQLChunk[] = [sql.raw(into)];
      keys.forEach((k, i) => {
        if (i > 0) chunks.push(sql.raw(', '));
        chunks.push(sql.placeholder(`${prefix}${k}`), sql.raw(`::${columns[i]!.getSQLType()}[]`));
      });
      chunks.push(sql.raw(')'));
      return sql.join(chunks);
    },
    values(prefix, rows) {
      const out: Record<string, unknown[]> = {};
      keys.forEach((k, i) => {
        out[`${prefix}${k}`] = rows.map((row) => driverValue(columns[i]!, row, k));
      });
      return out;
    },
  };
}
