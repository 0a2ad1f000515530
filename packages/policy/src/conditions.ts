/**
 * Row conditions: which rows of a tenant-owned table a caller may see or change ("own records", "this tenant",
 * "this store", "not soft-deleted"), written once as a small AST and compiled two ways:
 *
 *   toPredicate   an in-memory check of one row (object checks, the console)
 *   foldCondition / toSqlText   a parameterised SQL filter (the data layer's WHERE); the server folds the same AST into
 *                 Drizzle's `sql` through the algebra interface, so this package stays free of any database import
 *
 * The AST has no negation on purpose. SQL compares NULL to anything as unknown, and a WHERE keeps only rows whose
 * condition is true; for a formula built from equalities with AND and OR only, that is exactly "treat a NULL column
 * as not equal", which is what the predicate does. A NOT would break that agreement (NOT unknown is still unknown),
 * so absence is expressed with the dedicated `isNull` node instead. A property test runs both against PostgreSQL.
 */

/** The columns a condition may talk about; each table maps them to its own column names. */
export type ConditionField = 'organizationId' | 'storeId' | 'customerId' | 'status' | 'deletedAt';

export type Condition =
  | { readonly op: 'true' }
  | { readonly op: 'false' }
  | { readonly op: 'eq'; readonly field: ConditionField; readonly value: string }
  | { readonly op: 'in'; readonly field: ConditionField; readonly values: readonly string[] }
  | { readonly op: 'isNull'; readonly field: ConditionField }
  | { readonly op: 'and'; readonly items: readonly Condition[] }
  | { readonly op: 'or'; readonly items: readonly Condition[] };

const TRUE: Condition = Object.freeze({ op: 'true' });
const FALSE: Condition = Object.freeze({ op: 'false' });

function flatten(op: 'and' | 'or', items: readonly Condition[]): Condition[] {
  const out: Condition[] = [];
  for (const c of items) {
    if (c.op === op) out.push(...c.items);
    else out.push(c);
  }
  return out;
}

/** Constructors. They simplify as they build (constants fold, nested and/or flatten), so compiled SQL stays small. */
export const cond = {
  always: (): Condition => TRUE,
  never: (): Condition => FALSE,
  eq: (field: ConditionField, value: string): Condition => ({ op: 'eq', field, value }),
  in(field: ConditionField, values: Iterable<string>): Condition {
    const unique = [...new Set(values)];
    if (unique.length === 0) return FALSE;
    if (unique.length === 1) return { op: 'eq', field, value: unique[0]! };
    return { op: 'in', field, values: unique };
  },
  isNull: (field: ConditionField): Condition => ({ op: 'isNull', field }),
  and(...items: Condition[]): Condition {
    const kept = flatten('and', items).filter((c) => c.op !== 'true');
    if (kept.some((c) => c.op === 'false')) return FALSE;
    if (kept.length === 0) return TRUE;
    return kept.length === 1 ? kept[0]! : { op: 'and', items: kept };
  },
  or(...items: Condition[]): Condition {
    const kept = flatten('or', items).filter((c) => c.op !== 'false');
    if (kept.some((c) => c.op === 'true')) return TRUE;
    if (kept.length === 0) return FALSE;
    return kept.length === 1 ? kept[0]! : { op: 'or', items: kept };
  },
};

/** The domain's vocabulary, so call sites read like the spec: own records, tenant, store scope, not deleted. */
export const notDeleted = (): Condition => cond.isNull('deletedAt');
export const inTenant = (organizationId: string): Condition => cond.eq('organizationId', organizationId);
export const inStore = (storeId: string): Condition => cond.eq('storeId', storeId);
export const ownRecords = (customerId: string): Condition => cond.eq('customerId', customerId);

/** How to build a target representation (a boolean function, SQL text, a Drizzle SQL object) from each node. */
export interface ConditionAlgebra<T> {
  true(): T;
  false(): T;
  eq(field: ConditionField, value: string): T;
  in(field: ConditionField, values: readonly string[]): T;
  isNull(field: ConditionField): T;
  and(items: readonly T[]): T;
  or(items: readonly T[]): T;
}

export function foldCondition<T>(c: Condition, alg: ConditionAlgebra<T>): T {
  switch (c.op) {
    case 'true':
      return alg.true();
    case 'false':
      return alg.false();
    case 'eq':
      return alg.eq(c.field, c.value);
    case 'in':
      return alg.in(c.field, c.values);
    case 'isNull':
      return alg.isNull(c.field);
    case 'and':
      return alg.and(c.items.map((i) => foldCondition(i, alg)));
    case 'or':
      return alg.or(c.items.map((i) => foldCondition(i, alg)));
  }
}

/** A row as the predicate sees it: the condition fields, `null`/absent for SQL NULL. */
export type ConditionRow = { readonly [F in ConditionField]?: string | Date | null };

export type RowPredicate = (row: ConditionRow) => boolean;

const isAbsent = (v: unknown) => v === null || v === undefined;

export function toPredicate(c: Condition): RowPredicate {
  return foldCondition<RowPredicate>(c, {
    true: () => () => true,
    false: () => () => false,
    // A NULL column equals nothing, as in SQL.
    eq: (f, value) => (row) => row[f] === value,
    in: (f, values) => {
      const set = new Set(values);
      return (row) => {
        const v = row[f];
        return typeof v === 'string' && set.has(v);
      };
    },
    isNull: (f) => (row) => isAbsent(row[f]),
    and: (items) => (row) => items.every((p) => p(row)),
    or: (items) => (row) => items.some((p) => p(row)),
  });
}

/** Column names per field for one table. Absent fields cannot be used in that table's conditions. */
export type ColumnMap = { readonly [F in ConditionField]?: string };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

function column(columns: ColumnMap, f: ConditionField): string {
  const name = columns[f];
  // A condition about a column the table lacks is a programming error; failing loudly beats filtering nothing.
  if (name === undefined) throw new Error(`condition uses ${f}, which this table does not map`);
  if (!IDENTIFIER.test(name)) throw new Error(`unsafe column name ${JSON.stringify(name)}`);
  return name;
}

/** Parameterised SQL (`$1`, `$2` …) for drivers that take text and values. Values never enter the text. */
export function toSqlText(c: Condition, columns: ColumnMap, firstParam = 1): { text: string; params: string[] } {
  const params: string[] = [];
  const param = (v: string) => {
    params.push(v);
    return `$${firstParam + params.length - 1}`;
  };
  const text = foldCondition<string>(c, {
    true: () => 'TRUE',
    false: () => 'FALSE',
    eq: (f, v) => `${column(columns, f)} = ${param(v)}`,
    in: (f, vs) => `${column(columns, f)} IN (${vs.map(param).join(', ')})`,
    isNull: (f) => `${column(columns, f)} IS NULL`,
    and: (items) => `(${items.join(' AND ')})`,
    or: (items) => `(${items.join(' OR ')})`,
  });
  return { text, params };
}
