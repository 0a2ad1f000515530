/**
 * Prepared statements for hot lookups and writes. Drizzle builds a statement's SQL on every call (entity checks,
 * column lists: ~0.1–0.15 ms a lookup here, as much as the lookup itself on PGlite); a prepared one is built once per
 * database handle and then only executed. On PostgreSQL it is also a named statement, parsed and planned once per
 * connection (so behind a pooler, use session pooling).
 *
 * Statements are kept per handle (the database, or a transaction for as long as it lives), so a repository function
 * keeps accepting either, as every repository does.
 */
import type { SQL } from 'drizzle-orm';
import { PgDialect, type PgPreparedQuery, type PreparedQueryConfig } from 'drizzle-orm/pg-core';
import type { Tx } from './database.ts';

export function preparedPerHandle<P>(build: (tx: Tx) => P): (tx: Tx) => P {
  const byHandle = new WeakMap<Tx, P>();
  return (tx) => {
    let p = byHandle.get(tx);
    if (p === undefined) {
      p = build(tx);
      byHandle.set(tx, p);
    }
    return p;
  };
}

const dialect = new PgDialect();

/**
 * A statement written as SQL (a CTE, say), with `sql.placeholder`s for its values, prepared per handle under `name`;
 * `execute(values)` runs it. The text is rendered once, here.
 */
export function preparedSql(name: string, statement: SQL): (tx: Tx) => PgPreparedQuery<PreparedQueryConfig> {
  const query = dialect.sqlToQuery(statement);
  return preparedPerHandle((tx) => tx._.session.prepareQuery(query, undefined, name, false));
}
