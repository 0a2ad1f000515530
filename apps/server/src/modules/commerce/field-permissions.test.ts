import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth } from '../../testing/users.ts';
import { UNLIMITED_ENV, buildWorld, type World } from './testing/world.ts';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED_ENV });
  w = await buildWorld(t);
});
afterAll(async () => t?.close());

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

  it('apply to creating a product: CONTENT_MANAGER creates without a price, never with one', async () => {
    const url = '/api/products';
    const refused = await t.app.inject({ method: 'POST', url, headers: auth(w.users.CONTENT_MANAGER), payload: { storeId: w.stores.A1.id, name: 'Priced', sku: 'CM-PRICED', price: 999 } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('FIELD_FORBIDDEN');
    const ok = await t.app.inject({ method: 'POST', url, headers: auth(w.users.CONTENT_MANAGER), payload: { storeId: w.stores.A1.id, name: 'Unpriced', sku: 'CM-UNPRICED', description: 'Words' } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().data).toMatchObject({ price: 0, status: 'DRAFT', currency: 'USD' });
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
