import { Type } from 'typebox';
import type { RouteSpec } from '../../../http/route.ts';
import type { AuthedContext } from '../../../http/context.ts';
import type { CommerceAccess } from '../access.ts';
import { AddressSchema } from '../customers/index.ts';
import { storeCrudRoutes } from '../crud-routes.ts';
import { Nullable, Uuid, strict } from '../routing.ts';
import type { OrdersService } from './orders.service.ts';
import { OrderStatusSchema, OrderView } from './orders.view.ts';
import type { PlaceOrderInput, PlaceOrderService } from './place-order.service.ts';

const Notes = Type.String({ maxLength: 2000 });
const Item = Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) }, strict);

export function ordersRoutes(access: CommerceAccess, orders: OrdersService, placing: PlaceOrderService): RouteSpec[] {
  return storeCrudRoutes(
    access,
    {
      url: '/api/orders',
      resource: 'orders',
      group: 'Orders',
      view: OrderView,
      filters: { status: Type.Optional(OrderStatusSchema), customerId: Type.Optional(Uuid) },
      create: Type.Object(
        {
          storeId: Uuid,
          customerId: Type.Optional(Uuid),
          items: Type.Array(Item, { minItems: 1, maxItems: 100 }),
          notes: Type.Optional(Notes),
          shippingAddress: Type.Optional(Nullable(AddressSchema)),
        },
        strict,
      ),
      update: Type.Object(
        { status: Type.Optional(OrderStatusSchema), notes: Type.Optional(Notes), shippingAddress: Type.Optional(Nullable(AddressSchema)) },
        strict,
      ),
      notes: {
        list: 'List orders (`storeId`, `status`, `customerId`); CUSTOMER: own orders only',
        create: 'Place order; totals computed by the server, stock taken; CUSTOMER: for itself only',
        get: 'Get order details with line items; CUSTOMER: own orders only',
        update: 'Update order: PENDING → PAID → FULFILLED → DELIVERED, CANCELLED from PENDING or PAID; CUSTOMER: cancel own PENDING only',
        delete: 'Delete order (soft delete)',
      },
    },
    { ...orders, create: (ctx: AuthedContext, input: PlaceOrderInput) => placing.place(ctx, input) },
  );
}
