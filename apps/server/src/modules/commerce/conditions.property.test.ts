/**
 * The condition AST compiles two ways (an in-memory predicate and SQL); this property test generates rows and
 * conditions and checks that both always select the same rows, on the real database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL). It covers both SQL compilers (the Drizzle one the repositories use and the `{ text, params }`
 * one) and the conditions rowCondition derives from generated memberships.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import {
  COMMERCE_PERMISSIONS,
  ORGANIZATION_ROLES,
  STORE_ROLES,
  cond,
  reachCondition,
  rowCondition,
  toPredicate,
  toSqlText,
  type CommerceActor,
  type Condition,
  type ConditionField,
  type ConditionRow,
  type Membership,
} from '@gatehouse/policy';
import type { Database } from '../../db/database.ts';
import { openTestDatabase } from '../../testing/database.ts';
import { toWhere } from './sql-condition.ts';

const condRows = pgTable('cond_property_rows', {
  id: text('id').primaryKey(),
  organizationId: text('organization_id'),
  storeId: text('store_id'),
  customerId: text('customer_id'),
  status: text('status'),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
});
const COLUMNS = { organizationId: condRows.organizationId, storeId: condRows.storeId, customerId: condRows.customerId, status: condRows.status, deletedAt: condRows.deletedAt };
const TEXT_COLUMNS = { organizationId: 'organization_id', storeId: 'store_id', customerId: 'customer_id', status: 'status', deletedAt: 'deleted_at' };

let database: Database;
type Client = { query(text: string, params?: unknown[]): Promise<{ rows: Array<{ id: string }> }> };
let client: Client;

beforeAll(async () => {
  database = await openTestDatabase();
  await database.db.execute(
    sql`CREATE TABLE cond_property_rows (id text PRIMARY KEY, organization_id text, store_id text, customer_id text, status text, deleted_at timestamptz)`,
  );
  client = (database.db as unknown as { $client: Client }).$client;
});
afterAll(async () => database?.close());

// Small value pools, so generated conditions and rows often meet.
const ids = ['o1', 'o2', 's1', 's2', 'c1', 'c2'];
const value = fc.constantFrom(...ids, 'PUBLISHED', 'DRAFT');
// deleted_at is a timestamp column: only `isNull` applies to it (no condition ever compares it to a string).
const comparable = fc.constantFrom<ConditionField>('organizationId', 'storeId', 'customerId', 'status');
const anyField = fc.constantFrom<ConditionField>('organizationId', 'storeId', 'customerId', 'status', 'deletedAt');

const condition: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(cond.always()),
    fc.constant(cond.never()),
    fc.tuple(comparable, value).map(([f, v]) => cond.eq(f, v)),
    fc.tuple(comparable, fc.array(value, { maxLength: 4 })).map(([f, vs]) => cond.in(f, vs)),
    anyField.map((f) => cond.isNull(f)),
    fc.array(tie('c'), { maxLength: 3 }).map((items) => cond.and(...items)),
    fc.array(tie('c'), { maxLength: 3 }).map((items) => cond.or(...items)),
  ),
})).c;

const DELETED = new Date('2025-01-01T00:00:00Z');
const row = fc.record({
  organizationId: fc.option(value, { nil: null }),
  storeId: fc.option(value, { nil: null }),
  customerId: fc.option(value, { nil: null }),
  status: fc.option(value, { nil: null }),
  deletedAt: fc.option(fc.constant(DELETED), { nil: null }),
});
const rows = fc.array(row, { maxLength: 12 }).map((rs) => rs.map((r, i) => ({ ...r, id: `r${i}` })));

const membership: fc.Arbitrary<Membership> = fc.oneof(
  fc.record({ kind: fc.constant('organization' as const), organizationId: fc.constantFrom('o1', 'o2'), role: fc.constantFrom(...ORGANIZATION_ROLES) }),
  fc.record({ kind: fc.constant('store' as const), organizationId: fc.constantFrom('o1', 'o2'), storeId: fc.constantFrom('s1', 's2'), role: fc.constantFrom(...STORE_ROLES) }),
  fc.record({ kind: fc.constant('customer' as const), organizationId: fc.constantFrom('o1', 'o2'), storeId: fc.constantFrom('s1', 's2'), customerId: fc.constantFrom('c1', 'c2') }),
);
const actor: fc.Arbitrary<CommerceActor> = fc.record({ userId: fc.constant('u'), isStaff: fc.constantFrom(false, false, false, true), memberships: fc.array(membership, { maxLength: 4 }) });

interface Row extends ConditionRow {
  readonly id: string;
  readonly organizationId: string | null;
  readonly storeId: string | null;
  readonly customerId: string | null;
  readonly status: string | null;
  readonly deletedAt: Date | null;
}

async function load(rs: readonly Row[]): Promise<void> {
  await database.db.execute(sql`DELETE FROM cond_property_rows`);
  if (rs.length > 0) await database.db.insert(condRows).values([...rs]);
}

async function agree(rs: readonly Row[], c: Condition): Promise<void> {
  const expected = rs.filter(toPredicate(c)).map((r) => r.id).sort();
  const viaDrizzle = (await database.db.select({ id: condRows.id }).from(condRows).where(toWhere(c, COLUMNS))).map((r) => r.id).sort();
  const t = toSqlText(c, TEXT_COLUMNS);
  const viaText = (await client.query(`SELECT id FROM cond_property_rows WHERE ${t.text}`, t.params)).rows.map((r) => r.id).sort();
  expect(viaDrizzle).toEqual(expected);
  expect(viaText).toEqual(expected);
}

describe('row conditions in memory and in SQL', () => {
  it('select the same rows for any generated condition', async () => {
    await fc.assert(
      fc.asyncProperty(rows, condition, async (rs, c) => {
        await load(rs);
        await agree(rs, c);
      }),
      { numRuns: 150 },
    );
  });

  it('select the same rows for the conditions of any generated memberships and permission', async () => {
    const permissions = COMMERCE_PERMISSIONS.filter((p) => !p.startsWith('org:') && !p.startsWith('stores:'));
    await fc.assert(
      fc.asyncProperty(rows, actor, fc.constantFrom(...permissions), async (rs, a, p) => {
        await load(rs);
        await agree(rs, rowCondition(a, p));
        await agree(rs, reachCondition(a));
      }),
      { numRuns: 150 },
    );
  });
});
