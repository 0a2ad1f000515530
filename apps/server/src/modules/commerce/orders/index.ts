export { createOrdersService, type OrdersService } from './orders.service.ts';
export { createPlaceOrderService, type PlaceOrderService } from './place-order.service.ts';
export { ordersRoutes } from './orders.routes.ts';
