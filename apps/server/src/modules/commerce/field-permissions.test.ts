import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth } from '../../testing/users.ts';
import { products } from './commerce.tables.ts';
import { UNLIMITED_ENV, buildWorld, type World } from './testing/world.ts';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED_ENV });
  w = await buildWorld(t);
});
afterAll(async () => t?.close());

const post = (role: keyof World['users'], url: string, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers: auth(w.users[role]), ...(payload ? { payload } : {}) });
const patch = (role: keyof World['users'], url: string, payload: object) => t.app.inject({ method: 'PATCH', url, headers: auth(w.users[role]), payload });
const product = async (id: string) => (await t.app.inject({ method: 'GET', url: `/api/products/${id}`, headers: auth(w.users.OWNER) })).json().data;

describe('field-level write permissions', () => {
  it('let SALES_MANAGER change the price and compare-at price', async () => {
    const id = await w.fresh.product(w.stores.A1);
    const res = await patch('SALES_MANAGER', `/api/products/${id}`, { price: 2500, compareAtPrice: 3000 });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ price: 2500, compareAtPrice: 3000 });
  });

  it('refuse SALES_MANAGER a sku change with 403 naming the field, and write nothing', async () => {
    const id = await w.fresh.product(w.stores.A1);
    const before = await product(id);
    const res = await patch('SALES_MANAGER', `/api/products/${id}`, { price: 1, sku: 'STOLEN-SKU' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      code: 'FIELD_FORBIDDEN',
      error: 'Permission denied. You do not have permission to change "sku" of products.',
      details: [{ path: 'body.sku', message: 'not writable with your role' }],
    });
    // The allowed field in the same request was not written either.
    expect(await product(id)).toMatchObject({ sku: before.sku, price: before.price, updatedAt: before.updatedAt });
  });

  it('refuse SALES_MANAGER the stock, naming every forbidden field', async () => {
    const id = await w.fresh.product(w.stores.A1);
    const res = await patch('SALES_MANAGER', `/api/products/${id}`, { inventoryQuantity: 0, description: 'x' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('Permission denied. You do not have permission to change "inventoryQuantity", "description" of products.');
  });

  it('let INVENTORY_MANAGER change the stock but not the price', async () => {
    const id = await w.fresh.product(w.stores.A1);
    expect((await patch('INVENTORY_MANAGER', `/api/products/${id}`, { inventoryQuantity: 7 })).json().data.inventoryQuantity).toBe(7);
    const res = await patch('INVENTORY_MANAGER', `/api/products/${id}`, { price: 1 });
    expect(res.statusCode).toBe(403);
    expect(res.json().details).toEqual([{ path: 'body.price', message: 'not writable with your role' }]);
    expect((await product(id)).price).toBe(1000);
  });

  it('apply to creating a product: CONTENT_MANAGER creates an unpriced draft, never a priced product', async () => {
    const url = '/api/products';
    const refused = await t.app.inject({ method: 'POST', url, headers: auth(w.users.CONTENT_MANAGER), payload: { storeId: w.stores.A1.id, name: 'Priced', sku: 'CM-PRICED', price: 999 } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('FIELD_FORBIDDEN');
    const ok = await t.app.inject({ method: 'POST', url, headers: auth(w.users.CONTENT_MANAGER), payload: { storeId: w.stores.A1.id, name: 'Unpriced', sku: 'CM-UNPRICED', description: 'Words' } });
    expect(ok.statusCode).toBe(201);
    // No price at all, not a price of 0: nobody allowed to write prices has set one.
    expect(ok.json().data).toMatchObject({ price: null, status: 'DRAFT', currency: 'USD' });
  });

  it('let CUSTOMER change only the status of its own order', async () => {
    const id = await w.fresh.order(w.stores.A1, w.own.customerId);
    const res = await patch('CUSTOMER', `/api/orders/${id}`, { notes: 'please hurry' });
    expect(res.statusCode).toBe(403);
    expect(res.json().details).toEqual([{ path: 'body.notes', message: 'not writable with your role' }]);
    expect((await patch('CUSTOMER', `/api/orders/${id}`, { status: 'CANCELLED' })).statusCode).toBe(200);
  });

  it('never let a body move a row to another store (unknown field → 400)', async () => {
    const id = await w.fresh.product(w.stores.A1);
    const res = await patch('OWNER', `/api/products/${id}`, { storeId: w.stores.A2.id });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toContainEqual({ path: 'body.storeId', message: 'unknown field' });
  });

  it('record each refusal in the audit log with the fields and the tenant', async () => {
    const id = await w.fresh.product(w.stores.A1);
    await patch('SALES_MANAGER', `/api/products/${id}`, { sku: 'NOPE' });
    await t.container.audit.flush();
    const e = (await t.container.audit.list({ userId: w.users.SALES_MANAGER.id, action: 'commerce.product.update' })).find((x) => x.targetId === id);
    expect(e).toMatchObject({
      outcome: 'denied',
      organizationId: w.org.A,
      storeId: w.stores.A1.id,
      details: { reason: 'FIELD_FORBIDDEN', fields: ['sku'], roles: ['SALES_MANAGER'] },
    });
  });
});

describe('selling only what a role allowed to write prices has priced', () => {
  for (const role of ['INVENTORY_MANAGER', 'CONTENT_MANAGER'] as const) {
    it(`refuses ${role} a product created as PUBLISHED (it cannot price it) with 422 PRICE_REQUIRED, and writes nothing`, async () => {
      const sku = `${role.slice(0, 2)}-PUB-${Date.now().toString(36)}`;
      const res = await post(role, '/api/products', { storeId: w.stores.A1.id, name: 'Free goods', sku, status: 'PUBLISHED' });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'PRICE_REQUIRED', details: [{ path: 'body.price', message: 'required to publish' }] });
      const listed = await t.app.inject({ method: 'GET', url: `/api/products?storeId=${w.stores.A1.id}&q=${sku}`, headers: auth(w.users.OWNER) });
      expect(listed.json().meta.total).toBe(0);
    });
  }

  it('refuses to publish an unpriced product to every role, until a role allowed to write prices sets a price', async () => {
    const created = await post('INVENTORY_MANAGER', '/api/products', { storeId: w.stores.A1.id, name: 'Unpriced stock', sku: `IM-DRAFT-${Date.now().toString(36)}`, inventoryQuantity: 5 });
    expect(created.json().data).toMatchObject({ status: 'DRAFT', price: null, inventoryQuantity: 5 });
    const id = created.json().data.id as string;
    for (const role of ['INVENTORY_MANAGER', 'CONTENT_MANAGER', 'OWNER', 'SUPER_ADMIN'] as const) {
      const res = await post(role, `/api/products/${id}/publish`);
      expect(res.statusCode, role).toBe(422);
      expect(res.json().code).toBe('PRICE_REQUIRED');
    }
    expect((await product(id)).status).toBe('DRAFT');
    expect((await patch('SALES_MANAGER', `/api/products/${id}`, { price: 1500 })).statusCode).toBe(200);
    const published = await post('INVENTORY_MANAGER', `/api/products/${id}/publish`);
    expect(published.statusCode).toBe(200);
    expect(published.json().data).toMatchObject({ status: 'PUBLISHED', price: 1500 });
  });

  it('lets a role allowed to write prices create a product as PUBLISHED with a price, and never without one', async () => {
    const sku = `OWN-PUB-${Date.now().toString(36)}`;
    expect((await post('OWNER', '/api/products', { storeId: w.stores.A1.id, name: 'Unpriced', sku, status: 'PUBLISHED' })).json().code).toBe('PRICE_REQUIRED');
    const ok = await post('OWNER', '/api/products', { storeId: w.stores.A1.id, name: 'Priced', sku, status: 'PUBLISHED', price: 0 });
    // A price of 0 set on purpose by someone allowed to price is a price (a free sample), unlike no price at all.
    expect(ok.statusCode).toBe(201);
    expect(ok.json().data).toMatchObject({ status: 'PUBLISHED', price: 0 });
  });

  for (const role of ['INVENTORY_MANAGER', 'CONTENT_MANAGER'] as const) {
    it(`stops the free-goods attack end to end: ${role} creates and publishes, a customer orders, nothing is sold for 0`, async () => {
      const sku = `${role.slice(0, 2)}-ATK-${Date.now().toString(36)}`;
      const stockField = role === 'INVENTORY_MANAGER' ? { inventoryQuantity: 5 } : {};
      const direct = await post(role, '/api/products', { storeId: w.stores.A1.id, name: 'Attack', sku, status: 'PUBLISHED', ...stockField });
      expect(direct.statusCode).toBe(422);
      const draft = await post(role, '/api/products', { storeId: w.stores.A1.id, name: 'Attack', sku, ...stockField });
      expect(draft.statusCode).toBe(201);
      const id = draft.json().data.id as string;
      if (role === 'CONTENT_MANAGER') expect((await patch('INVENTORY_MANAGER', `/api/products/${id}`, { inventoryQuantity: 5 })).statusCode).toBe(200);
      expect((await post(role, `/api/products/${id}/publish`)).statusCode).toBe(422);
      const order = await post('CUSTOMER', '/api/orders', { storeId: w.stores.A1.id, items: [{ productId: id, quantity: 5 }] });
      expect(order.statusCode).toBe(422);
      expect(order.json().code).toBe('PRODUCT_UNAVAILABLE');
      expect((await product(id)).inventoryQuantity).toBe(5);
    });
  }

  it('holds the rule in the database too: a PUBLISHED row without a price is refused by a CHECK constraint', async () => {
    const id = await w.fresh.product(w.stores.A1, { status: 'DRAFT', price: null });
    const db = t.container.database.db;
    await expect(db.update(products).set({ status: 'PUBLISHED' }).where(eq(products.id, id))).rejects.toThrow();
    await expect(w.fresh.product(w.stores.A1, { status: 'PUBLISHED', price: null })).rejects.toThrow();
  });
});
