/**
 * The PGlite client Drizzle talks to, made cheaper per statement.
 *
 * PGlite's `query()` runs every statement as six calls into WebAssembly (Parse, Describe, Bind, Describe, Execute,
 * Sync) and parses and plans it each time; that was most of a statement's cost here (~0.6 ms for a lookup by a unique
 * key). Drizzle sends the same statement texts over and over, so each text becomes a named prepared statement: Parse
 * and Describe once, then Bind, Execute and Sync in one call (~0.1–0.25 ms). What PostgreSQL's own drivers do with
 * named statements, for the embedded database.
 *
 * Only data statements (SELECT, INSERT, UPDATE, DELETE, WITH, VALUES) are prepared; anything else (DDL, BEGIN, SET,
 * migrations) goes through PGlite's own path unchanged. The cache is bounded; an evicted statement is closed on the
 * next round trip. When a table changes shape under a statement, PostgreSQL refuses the cached plan (0A000): the
 * statement is dropped and, outside a transaction, run once more freshly prepared.
 *
 * Locking mirrors PGlite's `query()`: outside a transaction it waits for the transaction lock and then the query lock;
 * inside one (the transaction holds the first) it takes only the query lock.
 *
 * Also drops the parsers drizzle-orm passes with every query: PGlite would merge them into its ~300-entry table on each
 * call (~0.1–0.2 ms). The same parsers are installed once on the instance (database.ts), so results parse the same.
 */
import type { PGlite, Results } from '@electric-sql/pglite';
import { parse, protocol } from '@electric-sql/pglite';

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

interface QueryOptions {
  parsers?: unknown;
  rowMode?: 'array' | 'object';
}

/** What drizzle-orm's PGlite driver uses of a transaction (nested ones are savepoints, run as queries)... */
export interface PgliteQueries {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<unknown>;
}

/** ...and of the client. */
export interface PgliteLike extends PgliteQueries {
  transaction<T>(fn: (tx: PgliteQueries) => Promise<T>): Promise<T>;
}

interface Statement {
  readonly name: string;
  readonly paramTypes: readonly number[];
  /** Absent for statements that return no rows. */
  readonly rowDescription: BackendMessage | undefined;
}

const DATA_STATEMENT = /^\s*(select|insert|update|delete|with|values)\b/i;
const CACHED_PLAN_CHANGED = '0A000';

export interface PgliteClientOptions {
  /** Statement texts kept prepared at once (least recently used are closed beyond it). */
  readonly maxStatements?: number;
}

export function fastPgliteClient(client: PGlite, options: PgliteClientOptions = {}): PgliteLike {
  const max = options.maxStatements ?? 500;
  const statements = new Map<string, Statement>();
  /** Close messages for evicted statements, sent ahead of the next Parse. */
  let toClose: Uint8Array[] = [];
  let counter = 0;
  const { serialize } = protocol;

  const concat = (parts: readonly Uint8Array[]): Uint8Array => {
    let size = 0;
    for (const p of parts) size += p.length;
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const send = (parts: readonly Uint8Array[]) => client.execProtocolStream(concat(parts), { syncToFs: false });

  async function prepare(text: string): Promise<Statement> {
    const name = `gh_${++counter}`;
    const closing = toClose;
    toClose = [];
    const messages = await send([...closing, serialize.parse({ name, text, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()]);
    const statement: Statement = {
      name,
      paramTypes: parse.parseDescribeStatementResults(messages),
      rowDescription: messages.find((m) => m.name === 'rowDescription'),
    };
    statements.set(text, statement);
    if (statements.size > max) {
      const [oldest, evicted] = statements.entries().next().value as [string, Statement];
      statements.delete(oldest);
      toClose.push(serialize.close({ type: 'S', name: evicted.name }));
    }
    return statement;
  }

  /** One statement, the caller holding the locks. */
  async function run(text: string, params: readonly unknown[], queryOptions: QueryOptions | undefined): Promise<Results> {
    let statement = statements.get(text);
    if (statement) {
      // Most recently used last: the Map's order is the eviction order.
      statements.delete(text);
      statements.set(text, statement);
    } else {
      statement = await prepare(text);
    }
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = client.serializers[statement.paramTypes[i]!];
      return serializer ? serializer(value) : String(value);
    });
    let messages: BackendMessage[];
    try {
      messages = await send([serialize.bind({ statement: statement.name, values: values as string[] }), serialize.execute({}), serialize.sync()]);
    } catch (e) {
      if ((e as { code?: unknown }).code === CACHED_PLAN_CHANGED && statements.get(text) === statement) {
        statements.delete(text);
        toClose.push(serialize.close({ type: 'S', name: statement.name }));
      }
      throw e;
    }
    const rowMode = queryOptions?.rowMode;
    const parsed = parse.parseResults(statement.rowDescription ? [statement.rowDescription, ...messages] : messages, client.parsers, rowMode ? { rowMode } : undefined);
    return parsed[0]!;
  }

  const withoutParsers = (o: QueryOptions | undefined): QueryOptions | undefined => {
    if (!o?.parsers) return o;
    const { parsers: _drop, ...rest } = o;
    return rest;
  };
  /** Only plain data statements with at most `rowMode` as an option take the prepared path. */
  const preparable = (text: string, o: QueryOptions | undefined) =>
    DATA_STATEMENT.test(text) && (o === undefined || Object.keys(o).every((k) => k === 'rowMode' || k === 'parsers'));

  async function outside(text: string, params: unknown[] = [], o?: QueryOptions): Promise<unknown> {
    if (!preparable(text, o)) return client.query(text, params, withoutParsers(o) as never);
    const once = () => client._runExclusiveTransaction(() => client._runExclusiveQuery(() => run(text, params, o)));
    let result: Results;
    try {
      result = await once();
    } catch (e) {
      // The statement was dropped (see run); a fresh one sees the table as it is now.
      if ((e as { code?: unknown }).code !== CACHED_PLAN_CHANGED) throw e;
      result = await once();
    }
    await client.syncToFs();
    return result;
  }

  function inTransaction(tx: PgliteQueries): PgliteQueries {
    return {
      query: (text, params = [], o) =>
        preparable(text, o) ? client._runExclusiveQuery(() => run(text, params, o)) : tx.query(text, params, withoutParsers(o)),
    };
  }

  const base = client as unknown as PgliteLike;
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'query') return outside;
      if (prop === 'transaction') return <T>(fn: (tx: PgliteQueries) => Promise<T>) => target.transaction((tx) => fn(inTransaction(tx)));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
