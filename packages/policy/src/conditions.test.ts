import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cond, foldCondition, inStore, inTenant, notDeleted, ownRecords, toPredicate, toSqlText, type Condition, type ConditionRow } from './conditions.ts';

const columns = { organizationId: 'organization_id', storeId: 'store_id', customerId: 'customer_id', status: 'status', deletedAt: 'deleted_at' };

describe('condition constructors', () => {
  it('fold constants and flatten nested and/or, so compiled filters stay small', () => {
    expect(cond.and(cond.always(), inStore('s'))).toEqual(inStore('s'));
    expect(cond.and(inStore('s'), cond.never())).toEqual(cond.never());
    expect(cond.or(cond.never(), inStore('s'))).toEqual(inStore('s'));
    expect(cond.or(inStore('s'), cond.always())).toEqual(cond.always());
    expect(cond.and(cond.and(inStore('a'), inTenant('o')), notDeleted())).toEqual({ op: 'and', items: [inStore('a'), inTenant('o'), notDeleted()] });
    expect(cond.and()).toEqual(cond.always());
    expect(cond.or()).toEqual(cond.never());
  });

  it('turn an empty IN list into false and a one-element list into an equality', () => {
    expect(cond.in('storeId', [])).toEqual(cond.never());
    expect(cond.in('storeId', ['a', 'a'])).toEqual(inStore('a'));
    expect(cond.in('storeId', ['a', 'b'])).toEqual({ op: 'in', field: 'storeId', values: ['a', 'b'] });
  });
});

describe('the in-memory predicate', () => {
  const own = cond.and(inStore('s1'), ownRecords('c1'), notDeleted());
  const p = toPredicate(own);

  it('accepts a row that meets every part and refuses one that misses any', () => {
    expect(p({ storeId: 's1', customerId: 'c1', deletedAt: null })).toBe(true);
    expect(p({ storeId: 's1', customerId: 'c2', deletedAt: null })).toBe(false);
    expect(p({ storeId: 's2', customerId: 'c1', deletedAt: null })).toBe(false);
    expect(p({ storeId: 's1', customerId: 'c1', deletedAt: new Date() })).toBe(false);
  });

  it('treats a NULL column as equal to nothing, as SQL does', () => {
    expect(p({ storeId: 's1', customerId: null, deletedAt: null })).toBe(false);
    expect(toPredicate(cond.in('customerId', ['a', 'b']))({ customerId: null })).toBe(false);
    expect(toPredicate(cond.isNull('customerId'))({})).toBe(true);
  });
});

describe('the SQL text compiler', () => {
  it('numbers parameters in order and never puts a value in the text', () => {
    const c = cond.and(cond.or(cond.in('organizationId', ['o1', 'o2']), cond.eq('storeId', "s'; DROP TABLE x; --")), notDeleted());
    const out = toSqlText(c, columns, 3);
    expect(out.text).toBe('((organization_id IN ($3, $4) OR store_id = $5) AND deleted_at IS NULL)');
    expect(out.params).toEqual(['o1', 'o2', "s'; DROP TABLE x; --"]);
  });

  it('renders constants as TRUE and FALSE', () => {
    expect(toSqlText(cond.always(), columns).text).toBe('TRUE');
    expect(toSqlText(cond.in('storeId', []), columns).text).toBe('FALSE');
  });

  it('refuses a field the table does not map, and a column name that is not an identifier', () => {
    expect(() => toSqlText(ownRecords('c'), { storeId: 'store_id' })).toThrow(/customerId/);
    expect(() => toSqlText(inStore('s'), { storeId: 'store_id; drop' })).toThrow(/unsafe/);
  });
});

const field = fc.constantFrom('organizationId', 'storeId', 'customerId', 'status', 'deletedAt' as const);
const value = fc.constantFrom('a', 'b', 'c');
const condition: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(cond.always()),
    fc.constant(cond.never()),
    fc.tuple(field, value).map(([f, v]) => cond.eq(f, v)),
    fc.tuple(field, fc.array(value, { maxLength: 3 })).map(([f, vs]) => cond.in(f, vs)),
    field.map((f) => cond.isNull(f)),
    fc.array(tie('c'), { maxLength: 3 }).map((items) => cond.and(...items)),
    fc.array(tie('c'), { maxLength: 3 }).map((items) => cond.or(...items)),
  ),
})).c;
const row: fc.Arbitrary<ConditionRow> = fc.record({
  organizationId: fc.option(value, { nil: null }),
  storeId: fc.option(value, { nil: null }),
  customerId: fc.option(value, { nil: null }),
  status: fc.option(value, { nil: null }),
  deletedAt: fc.option(value, { nil: null }),
});

describe('simplification', () => {
  it('never changes what a condition means (raw and/or nodes versus the simplifying constructors)', () => {
    // Evaluates the AST directly, without the constructors' folding, as the reference.
    const evalRaw = (c: Condition, r: ConditionRow): boolean =>
      foldCondition<(r: ConditionRow) => boolean>(c, {
        true: () => () => true,
        false: () => () => false,
        eq: (f, v) => (x) => x[f] === v,
        in: (f, vs) => (x) => vs.some((v) => x[f] === v),
        isNull: (f) => (x) => x[f] === null || x[f] === undefined,
        and: (items) => (x) => items.every((i) => i(x)),
        or: (items) => (x) => items.some((i) => i(x)),
      })(r);
    fc.assert(
      fc.property(fc.array(condition, { maxLength: 4 }), row, (items, r) => {
        const rawAnd: Condition = { op: 'and', items };
        const rawOr: Condition = { op: 'or', items };
        expect(toPredicate(cond.and(...items))(r)).toBe(evalRaw(rawAnd, r));
        expect(toPredicate(cond.or(...items))(r)).toBe(evalRaw(rawOr, r));
      }),
    );
  });
});
