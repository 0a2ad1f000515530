import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { ORDER_STATUSES } from '@gatehouse/policy';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth } from '../../testing/users.ts';
import { orders, products } from './commerce.tables.ts';
import { UNLIMITED_ENV, buildWorld, type World } from './testing/world.ts';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED_ENV });
  w = await buildWorld(t);
});
afterAll(async () => t?.close());

type Role = keyof World['users'];
const call = (role: Role, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: auth(w.users[role]), ...(payload ? { payload } : {}) });
const stock = async (id: string) => (await t.container.database.db.select().from(products).where(eq(products.id, id)))[0]!.inventoryQuantity;
const place = (role: Role, payload: object) => call(role, 'POST', '/api/orders', { storeId: w.stores.A1.id, ...payload });

describe('placing an order', () => {
  it('prices it on the server from the products, snapshots the lines, takes the stock and numbers it per store', async () => {
    const a = await w.fresh.product(w.stores.A1, { price: 1250, inventoryQuantity: 10 });
    const b = await w.fresh.product(w.stores.A1, { price: 300, inventoryQuantity: 10 });
    const res = await place('SALES_MANAGER', { customerId: w.stores.A1.customerId, items: [{ productId: a, quantity: 2 }, { productId: b, quantity: 1 }, { productId: a, quantity: 1 }] });
    expect(res.statusCode).toBe(201);
    const o = res.json().data;
    expect(o).toMatchObject({ status: 'PENDING', currency: 'USD', subtotal: 4050, total: 4050, customerId: w.stores.A1.customerId });
    expect(o.items.map((i: { productId: string; quantity: number; unitPrice: number; lineTotal: number }) => [i.productId, i.quantity, i.unitPrice, i.lineTotal]).sort()).toEqual(
      [[a, 3, 1250, 3750], [b, 1, 300, 300]].sort(),
    );
    expect(await stock(a)).toBe(7);
    const next = await place('SALES_MANAGER', { customerId: w.stores.A1.customerId, items: [{ productId: b, quantity: 1 }] });
    expect(next.json().data.number).toBe(o.number + 1);
    // A later price change does not rewrite the order's lines.
    await call('OWNER', 'PATCH', `/api/products/${a}`, { price: 9999 });
    expect((await call('OWNER', 'GET', `/api/orders/${o.id}`)).json().data.total).toBe(4050);
  });

  it('refuses a client-supplied price (unknown field → 400)', async () => {
    const res = await place('OWNER', { customerId: w.stores.A1.customerId, items: [{ productId: w.stores.A1.productId, quantity: 1, unitPrice: 1 }] });
    expect(res.statusCode).toBe(400);
  });

  it('refuses more than the stock with 409 and writes nothing', async () => {
    const p = await w.fresh.product(w.stores.A1, { inventoryQuantity: 2 });
    const count = async () => (await t.container.database.db.select().from(orders).where(eq(orders.storeId, w.stores.A1.id))).length;
    const before = await count();
    const res = await place('OWNER', { customerId: w.stores.A1.customerId, items: [{ productId: p, quantity: 3 }] });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('INSUFFICIENT_INVENTORY');
    expect(await stock(p)).toBe(2);
    expect(await count()).toBe(before);
  });

  it('refuses products that are not for sale in this store (draft, or of another store) with 422', async () => {
    for (const productId of [w.stores.A1.draftProductId, w.stores.A2.productId]) {
      const res = await place('OWNER', { customerId: w.stores.A1.customerId, items: [{ productId, quantity: 1 }] });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('PRODUCT_UNAVAILABLE');
    }
    const foreign = await place('OWNER', { customerId: w.stores.A2.customerId, items: [{ productId: w.stores.A1.productId, quantity: 1 }] });
    expect(foreign.json().code).toBe('INVALID_REFERENCE');
  });

  it('lets CUSTOMER place orders for itself only; staff must name the customer', async () => {
    const own = await place('CUSTOMER', { items: [{ productId: w.stores.A1.productId, quantity: 1 }] });
    expect(own.statusCode).toBe(201);
    expect(own.json().data.customerId).toBe(w.own.customerId);
    const other = await place('CUSTOMER', { customerId: w.stores.A1.customerId, items: [{ productId: w.stores.A1.productId, quantity: 1 }] });
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toBe('Permission denied. You do not have permission to create orders.');
    const unnamed = await place('STORE_ADMIN', { items: [{ productId: w.stores.A1.productId, quantity: 1 }] });
    expect(unnamed.statusCode).toBe(400);
  });
});

describe('order status transitions', () => {
  const legal = new Set(['PENDING>PAID', 'PAID>FULFILLED', 'FULFILLED>DELIVERED', 'PENDING>CANCELLED', 'PAID>CANCELLED']);

  for (const from of ORDER_STATUSES) {
    for (const to of ORDER_STATUSES) {
      if (from === to) continue;
      const isLegal = legal.has(`${from}>${to}`);
      const customer = from === 'PENDING' && to === 'CANCELLED' ? 200 : isLegal ? 403 : 409;
      it(`${from} → ${to}: STORE_ADMIN ${isLegal ? 200 : 409}, CUSTOMER on its own order ${customer}`, async () => {
        const staffOrder = await w.fresh.order(w.stores.A1, w.stores.A1.customerId, from);
        const s = await call('STORE_ADMIN', 'PATCH', `/api/orders/${staffOrder}`, { status: to });
        expect(s.statusCode).toBe(isLegal ? 200 : 409);
        if (!isLegal) expect(s.json()).toMatchObject({ code: 'INVALID_TRANSITION', error: `Cannot change an order from ${from} to ${to}.` });
        const ownOrder = await w.fresh.order(w.stores.A1, w.own.customerId, from);
        const c = await call('CUSTOMER', 'PATCH', `/api/orders/${ownOrder}`, { status: to });
        expect(c.statusCode).toBe(customer);
        const now = (await call('OWNER', 'GET', `/api/orders/${ownOrder}`)).json().data.status;
        expect(now).toBe(customer === 200 ? to : from);
      });
    }
  }

  it('gives the stock back when an order is cancelled', async () => {
    const p = await w.fresh.product(w.stores.A1, { inventoryQuantity: 5 });
    const o = (await place('CUSTOMER', { items: [{ productId: p, quantity: 4 }] })).json().data;
    expect(await stock(p)).toBe(1);
    expect((await call('CUSTOMER', 'PATCH', `/api/orders/${o.id}`, { status: 'CANCELLED' })).statusCode).toBe(200);
    expect(await stock(p)).toBe(5);
  });

  it('lets DELIVERY_BOY read its store’s orders but not mark them delivered', async () => {
    const o = await w.fresh.order(w.stores.A1, w.stores.A1.customerId, 'FULFILLED');
    expect((await call('DELIVERY_BOY', 'GET', `/api/orders/${o}`)).statusCode).toBe(200);
    expect((await call('DELIVERY_BOY', 'PATCH', `/api/orders/${o}`, { status: 'DELIVERED' })).statusCode).toBe(403);
  });
});

describe('deleting an order', () => {
  it('refuses while the order still holds stock (PENDING or PAID: 409, cancel first), and the stock stays reserved', async () => {
    const p = await w.fresh.product(w.stores.A1, { inventoryQuantity: 10 });
    const o = (await place('CUSTOMER', { items: [{ productId: p, quantity: 3 }] })).json().data;
    expect(await stock(p)).toBe(7);
    const pending = await call('STORE_ADMIN', 'DELETE', `/api/orders/${o.id}`);
    expect(pending.statusCode).toBe(409);
    expect(pending.json()).toMatchObject({ code: 'ORDER_NOT_FINAL', details: { status: 'PENDING' } });
    expect((await call('STORE_ADMIN', 'PATCH', `/api/orders/${o.id}`, { status: 'PAID' })).statusCode).toBe(200);
    expect((await call('STORE_ADMIN', 'DELETE', `/api/orders/${o.id}`)).json().code).toBe('ORDER_NOT_FINAL');
    expect((await call('STORE_ADMIN', 'GET', `/api/orders/${o.id}`)).statusCode).toBe(200);
    expect(await stock(p)).toBe(7);
  });

  it('deletes an order once cancelled (its stock already back) and moves no stock on delete or restore', async () => {
    const p = await w.fresh.product(w.stores.A1, { inventoryQuantity: 10 });
    const o = (await place('CUSTOMER', { items: [{ productId: p, quantity: 3 }] })).json().data;
    expect((await call('CUSTOMER', 'PATCH', `/api/orders/${o.id}`, { status: 'CANCELLED' })).statusCode).toBe(200);
    expect(await stock(p)).toBe(10);
    expect((await call('STORE_ADMIN', 'DELETE', `/api/orders/${o.id}`)).statusCode).toBe(204);
    expect(await stock(p)).toBe(10);
    expect((await call('SUPER_ADMIN', 'POST', `/api/trash/orders/${o.id}/restore`)).statusCode).toBe(200);
    expect(await stock(p)).toBe(10);
  });

  for (const status of ['FULFILLED', 'DELIVERED'] as const) {
    it(`deletes a ${status} order (its stock has left the store) without giving stock back`, async () => {
      const p = await w.fresh.product(w.stores.A1, { inventoryQuantity: 4 });
      const o = await w.fresh.order(w.stores.A1, w.stores.A1.customerId, status, { productId: p, quantity: 2 });
      expect((await call('OWNER', 'DELETE', `/api/orders/${o}`)).statusCode).toBe(204);
      expect(await stock(p)).toBe(4);
    });
  }
});
