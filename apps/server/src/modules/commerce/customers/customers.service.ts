/**
 * Customers of a store. A customer record linked to a user account gives that user the CUSTOMER role in the store.
 * The link is made only when the user accepts an invitation (invitations/), never by naming an email here; cutting it
 * (`userId: null`) is a role change like any other: escalation guard, audited.
 */
import { randomUUID } from 'node:crypto';
import { managesCustomerLinks, missingToGrant } from '@gatehouse/policy';
import type { Address } from '../commerce.tables.ts';
import type { Tx } from '../../../db/database.ts';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors, uniqueViolation } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { COLUMNS, toWhere } from '../sql-condition.ts';
import { changesOf, guardCreate, guardFields, recordChange, recordDenial, sentFields } from '../writes.ts';
import { findCustomer, insertCustomer, listCustomers, updateCustomer, type CustomerRow } from './customers.repo.ts';
import { toCustomerView } from './customers.view.ts';

export interface CustomerFields {
  name?: string | undefined;
  email?: string | undefined;
  phone?: string | null | undefined;
  addresses?: Address[] | undefined;
}
/** A PATCH may cut the link to a user account (`userId: null`), never make one: the user accepts an invitation. */
export type CustomerPatch = CustomerFields & { userId?: null | undefined };

const conflict = (e: unknown): never => {
  const c = uniqueViolation(e);
  if (c !== null) throw commerceErrors.taken('email', 'customer');
  throw e;
};

export function createCustomersService(d: CommerceDeps) {
  const where = async (ctx: AuthedContext, permission: string) => toWhere(await d.access.rows(ctx, permission), COLUMNS.customers);

  /** Unlinking takes the CUSTOMER role away: only a caller who could grant it may (escalation guard). */
  function guardUnlink(ctx: AuthedContext, targetId: string): void {
    const missing = missingToGrant(d.access.grants(ctx), 'CUSTOMER');
    if (missing.length === 0) return;
    recordDenial(d.audit, ctx, { action: 'commerce.customer.role_change', code: 'ROLE_ESCALATION', targetType: 'customer', targetId, details: { role: 'CUSTOMER', missing } });
    throw commerceErrors.escalation('CUSTOMER', missing);
  }

  /** The view for this caller: the linked account only for those who manage links. */
  const view = (ctx: AuthedContext) => {
    const show = managesCustomerLinks(d.access.grants(ctx));
    return (c: CustomerRow) => toCustomerView(c, show);
  };

  async function auditLink(tx: Tx, ctx: AuthedContext, c: { id: string; organizationId: string; storeId: string }, before: string | null, after: string | null) {
    if (before === after) return;
    for (const [userId, role] of [[before, { before: 'CUSTOMER', after: null }], [after, { before: null, after: 'CUSTOMER' }]] as const) {
      if (!userId) continue;
      await recordChange(d.audit, tx, ctx, {
        action: 'commerce.customer.role_change',
        targetType: 'user',
        targetId: userId,
        organizationId: c.organizationId,
        storeId: c.storeId,
        changes: { role: role },
        details: { customerId: c.id },
      });
    }
  }

  return {
    async list(ctx: AuthedContext, f: { storeId?: string | undefined; q?: string | undefined }, p: Page) {
      const { rows, total } = await listCustomers(d.db, await where(ctx, 'customers:read'), f, p);
      return { data: rows.map(view(ctx)), meta: listMeta(p, total) };
    },

    async get(ctx: AuthedContext, id: string) {
      const c = await findCustomer(d.db, id, await where(ctx, 'customers:read'));
      if (!c) throw await d.access.missing(ctx, 'customers', id, 'customers:read');
      return view(ctx)(c);
    },

    async create(ctx: AuthedContext, input: CustomerFields & { storeId: string; name: string; email: string }) {
      const { organizationId, storeId } = d.access.store(ctx);
      await guardCreate(d.access, d.audit, ctx, 'customers:create', { organizationId, storeId });
      const { storeId: _s, ...fields } = input;
      const row = await d.db
        .transaction(async (tx) => {
          const c = await insertCustomer(tx, { ...fields, id: randomUUID(), organizationId, storeId });
          await recordChange(d.audit, tx, ctx, { action: 'commerce.customer.create', targetType: 'customer', targetId: c.id, organizationId, storeId, changes: changesOf({}, fields) });
          return c;
        })
        .catch(conflict);
      return view(ctx)(row);
    },

    async update(ctx: AuthedContext, id: string, patch: CustomerPatch) {
      guardFields(d.audit, ctx, { resource: 'customers', roles: d.access.grants(ctx).roles, fields: sentFields(patch), action: 'commerce.customer.update', targetId: id });
      if (patch.userId === null) guardUnlink(ctx, id);
      const w = await where(ctx, 'customers:update');
      const moved: string[] = [];
      const row = await d.db
        .transaction(async (tx) => {
          const before = await findCustomer(tx, id, w, true);
          if (!before) throw await d.access.missing(ctx, 'customers', id, 'customers:update', tx);
          const changes = changesOf(before, patch);
          if (Object.keys(changes).length === 0) return before;
          const after = (await updateCustomer(tx, id, w, patch))!;
          await recordChange(d.audit, tx, ctx, { action: 'commerce.customer.update', targetType: 'customer', targetId: id, organizationId: before.organizationId, storeId: before.storeId, changes });
          await auditLink(tx, ctx, before, before.userId, after.userId);
          if (before.userId !== after.userId) moved.push(...[before.userId, after.userId].filter((u): u is string => u !== null));
          return after;
        })
        .catch(conflict);
      if (moved.length > 0) await d.access.changed({ userIds: moved });
      return view(ctx)(row);
    },

    async remove(ctx: AuthedContext, id: string): Promise<void> {
      const w = await where(ctx, 'customers:delete');
      const linked = await d.db.transaction(async (tx) => {
        const before = await findCustomer(tx, id, w, true);
        if (!before) throw await d.access.missing(ctx, 'customers', id, 'customers:delete', tx);
        const at = new Date();
        await updateCustomer(tx, id, w, { deletedAt: at });
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.customer.delete',
          targetType: 'customer',
          targetId: id,
          organizationId: before.organizationId,
          storeId: before.storeId,
          changes: { deletedAt: { before: null, after: at.toISOString() } },
        });
        return before.userId;
      });
      // A linked user loses the CUSTOMER role with the record.
      if (linked) await d.access.changed({ userIds: [linked] });
    },
  };
}

export type CustomersService = ReturnType<typeof createCustomersService>;
