/**
 * Commerce access at request time: who the caller is in commerce terms (their memberships, loaded once per request),
 * the scope a route acts in (resolved by its `grants` hook from params, query or body), and the rows a permission
 * reaches (a policy Condition the repositories compile to SQL).
 *
 * Scope answers, in one place:
 *   - a named organization or store that does not exist → 404; one the caller holds no role in → 403 "Access denied …"
 *     (the spec's verifyStoreAccess), decided by `scopedPermission` rules;
 *   - an object named by id is looked up only among rows the caller reaches, so another tenant's object is simply not
 *     found (404): no existence oracle, and no query on a tenant-owned table without a tenant filter.
 */
import { and, eq, isNull } from 'drizzle-orm';
import {
  ROW_FILTERS,
  grantsIn,
  isCommerceGrants,
  rateCategoryOf,
  reachCondition,
  rowCondition,
  type CommerceResource,
  type CommerceActor,
  type CommerceGrants,
  type CommerceScope,
  type Condition,
} from '@gatehouse/policy';
import type { Config } from '../../config.ts';
import type { Db, Tx } from '../../db/database.ts';
import type { AuthedContext, RequestContext } from '../../http/context.ts';
import type { LoaderInput } from '../../http/pipeline.ts';
import type { ScopedLimit } from '../../http/route.ts';
import type { AppError } from '../../http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import { brands, categories, customers, orders, organizations, products, stores } from './commerce.tables.ts';
import { commerceErrors } from './commerce.errors.ts';
import { loadMemberships } from './memberships.repo.ts';
import type { MembershipCache, MembershipChange } from './membership-cache.ts';
import { COLUMNS, toWhere, type TenantTable } from './sql-condition.ts';

export type GrantsHook = (input: LoaderInput) => Promise<CommerceGrants>;
type Pick = (input: LoaderInput) => string | undefined;

/** Tables whose rows are looked up by id inside a store, and the error their miss answers. */
const OBJECT_TABLES = {
  products: { table: products, id: products.id, what: 'product' },
  categories: { table: categories, id: categories.id, what: 'category' },
  brands: { table: brands, id: brands.id, what: 'brand' },
  customers: { table: customers, id: customers.id, what: 'customer' },
  orders: { table: orders, id: orders.id, what: 'order' },
} as const satisfies Partial<Record<TenantTable, unknown>>;
export type ObjectTable = keyof typeof OBJECT_TABLES;

export const fromParam = (name: string): Pick => (i) => i.params[name];
export const fromQuery = (name: string): Pick => (i) => (i.query as Record<string, string | undefined> | undefined)?.[name];
export const fromBody = (name: string): Pick => (i) => (i.body as Record<string, string | undefined> | undefined)?.[name];

export function createCommerceAccess(d: { db: Db; config: Config; cache: MembershipCache; audit: AuditService }) {
  const actors = new WeakMap<RequestContext, Promise<CommerceActor>>();

  /** The caller's memberships, loaded at most once per request (the grants hook and the service share them). */
  function actor(ctx: RequestContext): Promise<CommerceActor> {
    let a = actors.get(ctx);
    if (!a) {
      const p = ctx.principal;
      if (!p) throw new Error('commerce access needs a principal');
      a = d.cache
        .memberships(p.userId, () => loadMemberships(d.db, p.userId))
        .then((memberships) => ({ userId: p.userId, isStaff: p.isStaff, memberships }));
      actors.set(ctx, a);
    }
    return a;
  }

  /** Forgets the request's memberships after it changed them (so later checks in the same request see the change). */
  const forget = (ctx: RequestContext) => void actors.delete(ctx);

  async function grantsFor(ctx: RequestContext, scope: CommerceScope): Promise<CommerceGrants> {
    const g = grantsIn(await actor(ctx), scope);
    if (scope.addressed !== 'anywhere') {
      ctx.tenant = { organizationId: scope.organizationId, ...('storeId' in scope ? { storeId: scope.storeId } : {}) };
    }
    return g;
  }

  /**
   * A 404 that hides an object from a caller is still a denial: the audit log gets it with the actor, the object's
   * tenant, the object and the reason, while the wire keeps answering 404 (no existence oracle).
   */
  function hidden(ctx: RequestContext, e: { what: string; id: string; organizationId: string; storeId: string; reason: string; required: string }) {
    d.audit.recordLater(ctx, {
      action: 'access.denied',
      outcome: 'denied',
      targetType: e.what,
      targetId: e.id,
      organizationId: e.organizationId,
      storeId: e.storeId,
      details: { status: 404, reason: e.reason, required: e.required },
    });
  }

  /** A live row of `table` by id, in any tenant (only to tell a hidden object from a missing one, never returned). */
  async function liveRow(tx: Tx, table: ObjectTable, id: string) {
    const o = OBJECT_TABLES[table];
    const c = COLUMNS[table];
    const [row] = await tx
      .select({ organizationId: c.organizationId, storeId: c.storeId })
      .from(o.table)
      .where(and(eq(o.id, id), isNull(c.deletedAt)))
      .limit(1);
    return row;
  }

  async function storeScope(id: string): Promise<{ id: string; organizationId: string }> {
    const s = await d.cache.store(id, async () => {
      const [row] = await d.db
        .select({ id: stores.id, organizationId: stores.organizationId })
        .from(stores)
        .where(and(eq(stores.id, id), isNull(stores.deletedAt)))
        .limit(1);
      return row ?? null;
    });
    if (!s) throw commerceErrors.notFound('store');
    return s;
  }

  const hooks = {
    /** Lists without a scope filter: the union of the caller's roles; rows are narrowed by the row condition. */
    anywhere: (): GrantsHook => async ({ ctx }) => grantsFor(ctx, { addressed: 'anywhere' }),

    /** The organization named by `pick`; `fallback` when it names none (`anywhere` by default). */
    organization:
      (pick: Pick, opts: { includeStores?: boolean; defaultToOnly?: boolean } = {}): GrantsHook =>
      async (input) => {
        let id = pick(input);
        if (!id && opts.defaultToOnly) {
          // The spec's `POST /api/stores {name, slug}` names no organization: use the caller's only one, if one.
          const orgs = new Set((await actor(input.ctx)).memberships.filter((m) => m.kind === 'organization').map((m) => m.organizationId));
          if (orgs.size === 1) id = [...orgs][0];
        }
        if (!id) return grantsFor(input.ctx, { addressed: 'anywhere' });
        const [o] = await d.db
          .select({ id: organizations.id })
          .from(organizations)
          .where(and(eq(organizations.id, id), isNull(organizations.deletedAt)))
          .limit(1);
        if (!o) throw commerceErrors.notFound('organization');
        return grantsFor(input.ctx, { addressed: 'organization', organizationId: o.id, ...(opts.includeStores ? { includeStores: true } : {}) });
      },

    /** The store named by `pick` (path, query or body); `anywhere` when the request names none. */
    store:
      (pick: Pick): GrantsHook =>
      async (input) => {
        const id = pick(input);
        if (!id) return grantsFor(input.ctx, { addressed: 'anywhere' });
        const s = await storeScope(id);
        return grantsFor(input.ctx, { addressed: 'store', organizationId: s.organizationId, storeId: s.id });
      },

    /** The store of the object `:id` names, found only among rows the caller reaches. */
    object:
      (table: ObjectTable, pick: Pick = fromParam('id')): GrantsHook =>
      async (input) => {
        const id = pick(input)!;
        const o = OBJECT_TABLES[table];
        const c = COLUMNS[table];
        const [row] = await d.db
          .select({ organizationId: c.organizationId, storeId: c.storeId })
          .from(o.table)
          .where(and(eq(o.id, id), toWhere(reachCondition(await actor(input.ctx)), c)))
          .limit(1);
        if (!row) {
          const other = await liveRow(d.db, table, id);
          if (other) hidden(input.ctx, { what: o.what, id, ...other, reason: 'OUT_OF_REACH', required: 'a role in the store of this object' });
          throw commerceErrors.notFound(o.what);
        }
        return grantsFor(input.ctx, { addressed: 'object', organizationId: row.organizationId, storeId: row.storeId });
      },
  };

  /** The scope this request's grants were resolved in (set by the route's grants hook). */
  function grants(ctx: RequestContext): CommerceGrants {
    if (!isCommerceGrants(ctx.grants)) throw new Error('commerce route without a commerce grants hook');
    return ctx.grants;
  }

  return {
    actor,
    forget,
    /** After a change that moves roles committed: every instance forgets the affected memberships. */
    changed: (change: MembershipChange) => d.cache.changed(change),
    hooks,
    grants,
    /** The store this request acts in, for routes whose scope is a store or an object in one. */
    store(ctx: RequestContext): { organizationId: string; storeId: string } {
      const s = grants(ctx).scope;
      if (s.addressed !== 'store' && s.addressed !== 'object') throw new Error(`route scope is ${s.addressed}, not a store`);
      return { organizationId: s.organizationId, storeId: s.storeId };
    },
    /**
     * The error for an object of the request's scope that `permission`'s rows do not include (a CUSTOMER's look at
     * someone else's order, at a draft product): 404, audited as a denial when the object is there but filtered out.
     * Pass the service's transaction when inside one (PGlite has one connection).
     */
    async missing(ctx: RequestContext, table: ObjectTable, id: string, permission: string, tx: Tx = d.db): Promise<AppError> {
      const what = OBJECT_TABLES[table].what;
      const row = await liveRow(tx, table, id);
      if (row) {
        const roles = grants(ctx).roles;
        const own = roles.some((r) => ROW_FILTERS[r]?.[table as CommerceResource] === 'own');
        hidden(ctx, { what, id, ...row, reason: own ? 'NOT_OWN_RECORD' : 'ROW_FORBIDDEN', required: permission });
      }
      return commerceErrors.notFound(what);
    },
    /** The rows `permission` reaches for this caller, as a Condition (compile with toWhere). */
    async rows(ctx: AuthedContext, permission: string): Promise<Condition> {
      return rowCondition(await actor(ctx), permission);
    },
    /** Per-role window: CUSTOMER calls and staff calls are counted apart (policy ROLE_RATE_CATEGORY). */
    scopedLimit(ctx: RequestContext): ScopedLimit | undefined {
      const g = ctx.grants;
      if (!isCommerceGrants(g)) return undefined;
      const category = rateCategoryOf(g.roles);
      if (category === null) return undefined;
      const r = d.config.commerceRates;
      return category === 'customer'
        ? { key: 'commerce:customer', limit: { points: r.customerPerHour, durationSeconds: 3600, by: 'principal', label: `${r.customerPerHour}/hour` } }
        : { key: 'commerce:staff', limit: { points: r.staffPerMinute, durationSeconds: 60, by: 'principal', label: `${r.staffPerMinute}/min` } };
    },
  };
}

export type CommerceAccess = ReturnType<typeof createCommerceAccess>;
