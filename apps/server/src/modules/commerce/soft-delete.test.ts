import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, registerUser } from '../../testing/users.ts';
import { products, stores } from './commerce.tables.ts';
import { UNLIMITED_ENV, buildWorld, type World } from './testing/world.ts';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED_ENV });
  w = await buildWorld(t);
});
afterAll(async () => t?.close());

type Role = keyof World['users'];
const get = (role: Role, url: string) => t.app.inject({ method: 'GET', url, headers: auth(w.users[role]) });
const call = (role: Role, method: 'POST' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: auth(w.users[role]), ...(payload ? { payload } : {}) });
const listed = async (role: Role, url: string) => ((await get(role, url)).json().data as Array<{ id: string }>).map((r) => r.id);
const READERS: Role[] = ['SUPER_ADMIN', 'OWNER', 'MEMBER', 'STORE_ADMIN', 'CUSTOMER'];

describe('soft delete', () => {
  it('hides a deleted product from every list and detail for every role, keeps the row, and SUPER_ADMIN restores it', async () => {
    const id = await w.fresh.product(w.stores.A1);
    expect((await call('STORE_ADMIN', 'DELETE', `/api/products/${id}`)).statusCode).toBe(204);
    for (const role of READERS) {
      expect(await listed(role, `/api/products?storeId=${w.stores.A1.id}&perPage=100`), role).not.toContain(id);
      expect((await get(role, `/api/products/${id}`)).statusCode, role).toBe(404);
    }
    const [row] = await t.container.database.db.select().from(products).where(eq(products.id, id));
    expect(row!.deletedAt).toBeInstanceOf(Date);

    const trash = await get('SUPER_ADMIN', `/api/trash?type=products&storeId=${w.stores.A1.id}&perPage=100`);
    expect(trash.json().data).toContainEqual(expect.objectContaining({ type: 'products', id, storeId: w.stores.A1.id, deletedAt: row!.deletedAt!.toISOString() }));
    const restored = await call('SUPER_ADMIN', 'POST', `/api/trash/products/${id}/restore`);
    expect(restored.statusCode).toBe(200);
    expect(restored.json().data).toMatchObject({ id, deletedAt: null });
    expect((await get('CUSTOMER', `/api/products/${id}`)).statusCode).toBe(200);
  });

  it('lets a deleted sku be reused, and refuses to restore over the live row that took it', async () => {
    const id = await w.fresh.product(w.stores.A1, { sku: 'REUSED-SKU', slug: 'reused-a' });
    await call('OWNER', 'DELETE', `/api/products/${id}`);
    const again = await call('OWNER', 'POST', '/api/products', { storeId: w.stores.A1.id, name: 'Reused', sku: 'REUSED-SKU' });
    expect(again.statusCode).toBe(201);
    const res = await call('SUPER_ADMIN', 'POST', `/api/trash/products/${id}/restore`);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('RESTORE_CONFLICT');
  });

  it('takes a store’s rows with it, and its staff lose it; restoring brings back exactly what went with it', async () => {
    const s = { id: await w.fresh.store(w.org.A), organizationId: w.org.A };
    await w.fresh.staff(s.id, w.users.DELIVERY_BOY.id, 'STORE_ADMIN');
    const before = await w.fresh.product(s);
    await call('OWNER', 'DELETE', `/api/products/${before}`); // deleted on its own, earlier
    const kept = await w.fresh.product(s);
    const customer = await w.fresh.customer(s);
    const order = await w.fresh.order(s, customer);
    expect((await get('DELIVERY_BOY', `/api/products/${kept}`)).statusCode).toBe(200);

    expect((await call('OWNER', 'DELETE', `/api/stores/${s.id}`)).statusCode).toBe(204);
    for (const [role, url] of [['OWNER', `/api/products/${kept}`], ['OWNER', `/api/orders/${order}`], ['DELIVERY_BOY', `/api/products/${kept}`], ['OWNER', `/api/stores/${s.id}`]] as const) {
      expect((await get(role, url)).statusCode, url).toBe(404);
    }
    expect(await listed('OWNER', `/api/stores?organizationId=${w.org.A}&perPage=100`)).not.toContain(s.id);
    // A named store that is gone answers 404 before any role is considered.
    expect((await get('DELIVERY_BOY', `/api/products?storeId=${s.id}`)).statusCode).toBe(404);

    expect((await call('SUPER_ADMIN', 'POST', `/api/trash/stores/${s.id}/restore`)).statusCode).toBe(200);
    expect((await get('DELIVERY_BOY', `/api/products/${kept}`)).statusCode).toBe(200);
    expect((await get('OWNER', `/api/orders/${order}`)).statusCode).toBe(200);
    expect((await get('OWNER', `/api/products/${before}`)).statusCode).toBe(404);
  });

  it('takes an organization’s stores with it, and refuses to restore a store into a deleted organization', async () => {
    const org = await w.fresh.org();
    await w.fresh.member(org, w.users.MEMBER.id, 'OWNER');
    const s = { id: await w.fresh.store(org), organizationId: org };
    const p = await w.fresh.product(s);
    expect((await call('MEMBER', 'DELETE', `/api/organizations/${org}`)).statusCode).toBe(204);
    expect((await get('MEMBER', `/api/organizations/${org}`)).statusCode).toBe(404);
    expect(await listed('MEMBER', '/api/organizations?perPage=100')).not.toContain(org);
    expect((await get('SUPER_ADMIN', `/api/products/${p}`)).statusCode).toBe(404);
    const [store] = await t.container.database.db.select().from(stores).where(eq(stores.id, s.id));
    expect(store!.deletedAt).toBeInstanceOf(Date);

    const early = await call('SUPER_ADMIN', 'POST', `/api/trash/stores/${s.id}/restore`);
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('PARENT_DELETED');
    expect((await call('SUPER_ADMIN', 'POST', `/api/trash/organizations/${org}/restore`)).statusCode).toBe(200);
    expect((await get('MEMBER', `/api/products/${p}`)).statusCode).toBe(200);
  });

  it('ends a customer’s role when its customer record is deleted', async () => {
    const u = await registerUser(t.app);
    const c = await w.fresh.customer(w.stores.A2, u.id);
    const mine = () => t.app.inject({ method: 'GET', url: `/api/orders?storeId=${w.stores.A2.id}`, headers: auth(u) });
    expect((await mine()).statusCode).toBe(200);
    expect((await call('OWNER', 'DELETE', `/api/customers/${c}`)).statusCode).toBe(204);
    const after = await mine();
    expect(after.statusCode).toBe(403);
    expect(after.json().error).toBe('Access denied. You do not have permission to access this store.');
    expect(await listed('SUPER_ADMIN', `/api/trash?type=customers&storeId=${w.stores.A2.id}`)).toContain(c);
  });

  it('refuses to restore a product whose category or brand is still deleted, naming it, until that is restored', async () => {
    for (const kind of ['category', 'brand'] as const) {
      const ref = kind === 'category' ? await w.fresh.category(w.stores.A1) : await w.fresh.brand(w.stores.A1);
      const p = await w.fresh.product(w.stores.A1, kind === 'category' ? { categoryId: ref } : { brandId: ref });
      const table = kind === 'category' ? 'categories' : 'brands';
      expect((await call('OWNER', 'DELETE', `/api/products/${p}`)).statusCode).toBe(204);
      expect((await call('OWNER', 'DELETE', `/api/${table}/${ref}`)).statusCode).toBe(204);
      const refused = await call('SUPER_ADMIN', 'POST', `/api/trash/products/${p}/restore`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'PARENT_DELETED', error: `Its ${kind} is deleted: restore that first.`, details: { kind, id: ref } });
      expect((await get('OWNER', `/api/products/${p}`)).statusCode).toBe(404);
      expect((await call('SUPER_ADMIN', 'POST', `/api/trash/${table}/${ref}/restore`)).statusCode).toBe(200);
      expect((await call('SUPER_ADMIN', 'POST', `/api/trash/products/${p}/restore`)).statusCode).toBe(200);
      expect((await get('OWNER', `/api/products/${p}`)).json().data).toMatchObject(kind === 'category' ? { categoryId: ref } : { brandId: ref });
    }
  });

  it('refuses to restore a category under a deleted parent category', async () => {
    const parent = await w.fresh.category(w.stores.A1);
    const child = (await call('OWNER', 'POST', '/api/categories', { storeId: w.stores.A1.id, name: `Child ${Date.now()}`, parentId: parent })).json().data.id as string;
    expect((await call('OWNER', 'DELETE', `/api/categories/${child}`)).statusCode).toBe(204);
    expect((await call('OWNER', 'DELETE', `/api/categories/${parent}`)).statusCode).toBe(204);
    const refused = await call('SUPER_ADMIN', 'POST', `/api/trash/categories/${child}/restore`);
    expect(refused.json()).toMatchObject({ code: 'PARENT_DELETED', details: { kind: 'category', id: parent } });
  });

  it('is for SUPER_ADMIN only', async () => {
    expect((await get('OWNER', '/api/trash?type=products')).statusCode).toBe(403);
    expect((await get('SUPER_ADMIN', '/api/trash?type=widgets')).statusCode).toBe(400);
  });
});
