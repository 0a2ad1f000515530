/**
 * Placing an order: the server prices it (never the client), snapshots each product into its line, takes the stock
 * and numbers the order per store, all in one transaction. A CUSTOMER places orders only for its own customer record
 * (the same row condition that narrows its lists), and may omit `customerId`.
 */
import { randomUUID } from 'node:crypto';
import { sellable } from '@gatehouse/policy';
import type { AuthedContext } from '../../../http/context.ts';
import type { Address } from '../commerce.tables.ts';
import { commerceErrors } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { changesOf, guardCreate, recordChange } from '../writes.ts';
import { adjustInventory, customerInStore, insertOrder, lockProducts, nextOrderNumber } from './orders.repo.ts';
import { toOrderView } from './orders.view.ts';

export interface PlaceOrderInput {
  storeId: string;
  customerId?: string | undefined;
  items: Array<{ productId: string; quantity: number }>;
  notes?: string | undefined;
  shippingAddress?: Address | null | undefined;
}

export function createPlaceOrderService(d: CommerceDeps) {
  return {
    async place(ctx: AuthedContext, input: PlaceOrderInput) {
      const { organizationId, storeId } = d.access.store(ctx);
      const own = (await d.access.actor(ctx)).memberships.find((m) => m.kind === 'customer' && m.storeId === storeId);
      const customerId = input.customerId ?? (own?.kind === 'customer' ? own.customerId : undefined);
      if (!customerId) throw commerceErrors.invalid('customerId is required', 'body.customerId');
      await guardCreate(d.access, d.audit, ctx, 'orders:create', { organizationId, storeId, customerId, status: 'PENDING' });

      // One line per product: quantities of repeated products add up.
      const wanted = new Map<string, number>();
      for (const i of input.items) wanted.set(i.productId, (wanted.get(i.productId) ?? 0) + i.quantity);

      const order = await d.db.transaction(async (tx) => {
        if (!(await customerInStore(tx, customerId, storeId))) {
          throw commerceErrors.unprocessable('INVALID_REFERENCE', 'No such customer in this store', 'body.customerId');
        }
        const found = new Map((await lockProducts(tx, storeId, [...wanted.keys()])).map((p) => [p.id, p]));
        const id = randomUUID();
        const lines = [...wanted].map(([productId, quantity]) => {
          const p = found.get(productId);
          if (!p || !sellable(p)) throw commerceErrors.unprocessable('PRODUCT_UNAVAILABLE', 'A product of this order is not for sale in this store', 'body.items');
          if (p.inventoryQuantity < quantity) throw commerceErrors.insufficientInventory(p.sku);
          const unitPrice = p.price!; // sellable: priced
          return { id: randomUUID(), orderId: id, productId, name: p.name, sku: p.sku, unitPrice, quantity, lineTotal: unitPrice * quantity, currency: p.currency };
        });
        const currencies = new Set(lines.map((l) => l.currency));
        if (currencies.size !== 1) throw commerceErrors.unprocessable('MIXED_CURRENCY', 'All products of an order must share one currency', 'body.items');
        const subtotal = lines.reduce((n, l) => n + l.lineTotal, 0);
        const o = await insertOrder(
          tx,
          {
            id,
            organizationId,
            storeId,
            customerId,
            number: await nextOrderNumber(tx, storeId),
            currency: [...currencies][0]!,
            subtotal,
            total: subtotal,
            notes: input.notes ?? '',
            shippingAddress: input.shippingAddress ?? null,
          },
          lines.map(({ currency: _c, ...l }) => l),
        );
        await adjustInventory(tx, lines.map((l) => ({ productId: l.productId, delta: -l.quantity })));
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.order.create',
          targetType: 'order',
          targetId: id,
          organizationId,
          storeId,
          changes: changesOf({ status: null }, { status: o.status, total: o.total, customerId }),
        });
        return { o, lines };
      });
      return toOrderView(order.o, order.lines.map(({ currency: _c, ...l }) => l));
    },
  };
}

export type PlaceOrderService = ReturnType<typeof createPlaceOrderService>;
