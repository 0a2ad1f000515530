/**
 * Orders: list and read (a CUSTOMER sees only its own: the row condition does it), change status, notes and address
 * (status moves by the transition table; a CUSTOMER may only cancel a PENDING order), soft-delete (only once it no
 * longer holds stock: an order that can still be cancelled must be cancelled first, which gives its stock back).
 */
import { orderDeletable, orderTransition, type OrderStatus } from '@gatehouse/policy';
import type { Address } from '../commerce.tables.ts';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { COLUMNS, toWhere } from '../sql-condition.ts';
import { changesOf, guardFields, recordChange, recordDenial, sentFields } from '../writes.ts';
import { adjustInventory, findOrder, itemsOf, listOrders, updateOrder, type OrderFilters } from './orders.repo.ts';
import { toOrderView } from './orders.view.ts';

export interface OrderPatch {
  status?: OrderStatus | undefined;
  notes?: string | undefined;
  shippingAddress?: Address | null | undefined;
}

export function createOrdersService(d: CommerceDeps) {
  const where = async (ctx: AuthedContext, permission: string) => toWhere(await d.access.rows(ctx, permission), COLUMNS.orders);

  return {
    async list(ctx: AuthedContext, f: OrderFilters, p: Page) {
      const { rows, total } = await listOrders(d.db, await where(ctx, 'orders:read'), f, p);
      const items = await itemsOf(d.db, rows.map((o) => o.id));
      return { data: rows.map((o) => toOrderView(o, items.get(o.id) ?? [])), meta: listMeta(p, total) };
    },

    async get(ctx: AuthedContext, id: string) {
      const o = await findOrder(d.db, id, await where(ctx, 'orders:read'));
      if (!o) throw await d.access.missing(ctx, 'orders', id, 'orders:read');
      return toOrderView(o, (await itemsOf(d.db, [id])).get(id) ?? []);
    },

    async update(ctx: AuthedContext, id: string, patch: OrderPatch) {
      const roles = d.access.grants(ctx).roles;
      guardFields(d.audit, ctx, { resource: 'orders', roles, fields: sentFields(patch), action: 'commerce.order.update', targetId: id });
      const w = await where(ctx, 'orders:update');
      const row = await d.db.transaction(async (tx) => {
        const before = await findOrder(tx, id, w, true);
        if (!before) throw await d.access.missing(ctx, 'orders', id, 'orders:update', tx);
        const changes = changesOf(before, patch);
        if (Object.keys(changes).length === 0) return before;
        if (changes.status) {
          const to = patch.status!;
          const verdict = orderTransition(roles, before.status, to);
          if (verdict === 'illegal') throw commerceErrors.illegalTransition(before.status, to);
          if (verdict === 'forbidden') {
            recordDenial(d.audit, ctx, { action: 'commerce.order.status_change', code: 'TRANSITION_FORBIDDEN', targetType: 'order', targetId: id, details: { from: before.status, to } });
            throw commerceErrors.transitionForbidden(before.status, to);
          }
          // A cancelled order gives its stock back.
          if (to === 'CANCELLED') {
            const items = (await itemsOf(tx, [id])).get(id) ?? [];
            await adjustInventory(tx, items.map((i) => ({ productId: i.productId, delta: i.quantity })));
          }
        }
        const after = (await updateOrder(tx, id, w, patch))!;
        await recordChange(d.audit, tx, ctx, {
          action: changes.status ? 'commerce.order.status_change' : 'commerce.order.update',
          targetType: 'order',
          targetId: id,
          organizationId: before.organizationId,
          storeId: before.storeId,
          changes,
        });
        return after;
      });
      return toOrderView(row, (await itemsOf(d.db, [id])).get(id) ?? []);
    },

    async remove(ctx: AuthedContext, id: string): Promise<void> {
      const w = await where(ctx, 'orders:delete');
      await d.db.transaction(async (tx) => {
        const before = await findOrder(tx, id, w, true);
        if (!before) throw await d.access.missing(ctx, 'orders', id, 'orders:delete', tx);
        // Its reserved stock goes back only by cancelling; a deleted order would keep it from sale for good.
        if (!orderDeletable(before.status)) throw commerceErrors.orderNotFinal(before.status);
        const at = new Date();
        await updateOrder(tx, id, w, { deletedAt: at });
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.order.delete',
          targetType: 'order',
          targetId: id,
          organizationId: before.organizationId,
          storeId: before.storeId,
          changes: { deletedAt: { before: null, after: at.toISOString() } },
        });
      });
    },
  };
}

export type OrdersService = ReturnType<typeof createOrdersService>;
