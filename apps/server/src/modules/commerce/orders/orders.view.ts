import { Type, type Static } from 'typebox';
import { ORDER_STATUSES } from '@gatehouse/policy';
import { AddressSchema } from '../customers/index.ts';
import { Nullable, Timestamp } from '../routing.ts';
import type { OrderItemRow, OrderRow } from './orders.repo.ts';

export const OrderStatusSchema = Type.Enum(ORDER_STATUSES);

export const OrderItemView = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  name: Type.String(),
  sku: Type.String(),
  unitPrice: Type.Integer(),
  quantity: Type.Integer(),
  lineTotal: Type.Integer(),
});

export const OrderView = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  storeId: Type.String(),
  number: Type.Integer(),
  customerId: Type.String(),
  status: OrderStatusSchema,
  currency: Type.String(),
  subtotal: Type.Integer(),
  total: Type.Integer(),
  notes: Type.String(),
  shippingAddress: Nullable(AddressSchema),
  items: Type.Array(OrderItemView),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
});
export type OrderView = Static<typeof OrderView>;

export const toOrderView = (o: OrderRow, items: readonly OrderItemRow[]): OrderView => ({
  id: o.id,
  organizationId: o.organizationId,
  storeId: o.storeId,
  number: o.number,
  customerId: o.customerId,
  status: o.status,
  currency: o.currency,
  subtotal: o.subtotal,
  total: o.total,
  notes: o.notes,
  shippingAddress: o.shippingAddress ?? null,
  items: items.map((i) => ({ id: i.id, productId: i.productId, name: i.name, sku: i.sku, unitPrice: i.unitPrice, quantity: i.quantity, lineTotal: i.lineTotal })),
  createdAt: o.createdAt.toISOString(),
  updatedAt: o.updatedAt.toISOString(),
  deletedAt: o.deletedAt?.toISOString() ?? null,
});
