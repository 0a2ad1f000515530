import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMERCE_ROLES } from '@gatehouse/policy';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, registerUser } from '../../testing/users.ts';
import { UNLIMITED_ENV, buildWorld, type World } from './testing/world.ts';

let t: TestApp;
let w: World;
let s: { id: string; organizationId: string };
let cat: string;
let brand: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED_ENV });
  w = await buildWorld(t);
  s = { id: await w.fresh.store(w.org.A), organizationId: w.org.A };
  cat = await w.fresh.category(s);
  brand = await w.fresh.brand(s);
  const rows: Array<[string, string, number, 'DRAFT' | 'PUBLISHED' | 'ARCHIVED', boolean, boolean]> = [
    ['Red Shirt', 'SHIRT-RED', 1500, 'PUBLISHED', true, true],
    ['Blue Shirt', 'SHIRT-BLUE', 2500, 'PUBLISHED', true, false],
    ['Green Hat', 'HAT-GREEN', 900, 'DRAFT', false, true],
    ['Old Socks', 'SOCKS-OLD', 300, 'ARCHIVED', false, false],
    ['Red Scarf', 'SCARF-RED', 4000, 'PUBLISHED', false, true],
  ];
  for (const [name, sku, price, status, inCat, ofBrand] of rows) {
    ids[sku] = await w.fresh.product(s, { name, sku, slug: sku.toLowerCase(), price, status, categoryId: inCat ? cat : null, brandId: ofBrand ? brand : null });
  }
  await w.fresh.staff(s.id, w.users.MARKETING_MANAGER.id, 'MARKETING_MANAGER');
});
afterAll(async () => t?.close());

const skus = async (query: string, role: keyof World['users'] = 'OWNER') => {
  const res = await t.app.inject({ method: 'GET', url: `/api/products?storeId=${s.id}&${query}`, headers: auth(w.users[role]) });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as Array<{ sku: string }>).map((p) => p.sku).sort();
};

describe('the products list', () => {
  it('filters by status, category, brand, price range and text on name or sku', async () => {
    expect(await skus('status=PUBLISHED')).toEqual(['SCARF-RED', 'SHIRT-BLUE', 'SHIRT-RED']);
    expect(await skus(`categoryId=${cat}`)).toEqual(['SHIRT-BLUE', 'SHIRT-RED']);
    expect(await skus(`brandId=${brand}`)).toEqual(['HAT-GREEN', 'SCARF-RED', 'SHIRT-RED']);
    expect(await skus('minPrice=900&maxPrice=2500')).toEqual(['HAT-GREEN', 'SHIRT-BLUE', 'SHIRT-RED']);
    expect(await skus('q=red')).toEqual(['SCARF-RED', 'SHIRT-RED']);
    expect(await skus('q=hat-g')).toEqual(['HAT-GREEN']);
    expect(await skus('q=%25')).toEqual([]); // a literal %, not a wildcard
    expect(await skus(`status=PUBLISHED&brandId=${brand}&maxPrice=2000`)).toEqual(['SHIRT-RED']);
  });

  it('pages newest first with the list envelope', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/products?storeId=${s.id}&perPage=2&page=2`, headers: auth(w.users.OWNER) });
    expect(res.json().meta).toEqual({ page: 2, perPage: 2, total: 5 });
    expect(res.json().data).toHaveLength(2);
    const all = await t.app.inject({ method: 'GET', url: `/api/products?storeId=${s.id}`, headers: auth(w.users.OWNER) });
    const created = (all.json().data as Array<{ createdAt: string }>).map((p) => p.createdAt);
    expect(created).toEqual([...created].sort().reverse());
  });

  it('shows a CUSTOMER only published products, and the detail agrees', async () => {
    await w.fresh.customer(s, w.users.CUSTOMER.id);
    expect(await skus('', 'CUSTOMER')).toEqual(['SCARF-RED', 'SHIRT-BLUE', 'SHIRT-RED']);
    const draft = await t.app.inject({ method: 'GET', url: `/api/products/${ids['HAT-GREEN']}`, headers: auth(w.users.CUSTOMER) });
    expect(draft.statusCode).toBe(404);
  });

  it('never returns, for any role, a row the detail endpoint would refuse (lists with and without a store filter)', async () => {
    for (const role of COMMERCE_ROLES) {
      for (const resource of ['products', 'orders', 'customers', 'categories', 'brands']) {
        const res = await t.app.inject({ method: 'GET', url: `/api/${resource}?perPage=100`, headers: auth(w.users[role]) });
        if (res.statusCode !== 200) continue;
        for (const row of res.json().data as Array<{ id: string }>) {
          const d = await t.app.inject({ method: 'GET', url: `/api/${resource}/${row.id}`, headers: auth(w.users[role]) });
          expect(d.statusCode, `${role} ${resource} ${row.id}`).toBe(200);
        }
      }
    }
  });

  it('lists across every store the caller reaches when no store is named', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/products?perPage=100', headers: auth(w.users.STORE_ADMIN) });
    expect(new Set((res.json().data as Array<{ storeId: string }>).map((p) => p.storeId))).toEqual(new Set([w.stores.A1.id]));
    const member = await t.app.inject({ method: 'GET', url: '/api/products?perPage=100', headers: auth(w.users.MEMBER) });
    expect(new Set((member.json().data as Array<{ storeId: string }>).map((p) => p.storeId))).toEqual(new Set([w.stores.A1.id, w.stores.A2.id, s.id]));
    // A user with no role anywhere is refused rather than shown an empty page.
    const nobody = await t.app.inject({ method: 'GET', url: '/api/products', headers: auth(await registerUser(t.app)) });
    expect(nobody.statusCode).toBe(403);
    expect(nobody.json().error).toBe('Permission denied. You do not have permission to read products.');
  });
});

describe('writing products', () => {
  it('derives a free slug from the name, defaults the currency to the store’s, and refuses a taken sku', async () => {
    const make = (sku: string) => t.app.inject({ method: 'POST', url: '/api/products', headers: auth(w.users.OWNER), payload: { storeId: s.id, name: 'Red Shirt', sku } });
    const a = await make('NEW-1');
    expect(a.statusCode).toBe(201);
    expect(a.json().data).toMatchObject({ slug: 'red-shirt', currency: 'USD', status: 'DRAFT' });
    expect((await make('NEW-2')).json().data.slug).toBe('red-shirt-2');
    const dup = await make('NEW-1');
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'SKU_TAKEN', details: [{ path: 'body.sku', message: 'already in use' }] });
    const chosen = await t.app.inject({ method: 'POST', url: '/api/products', headers: auth(w.users.OWNER), payload: { storeId: s.id, name: 'Other', sku: 'NEW-3', slug: 'red-shirt' } });
    expect(chosen.statusCode).toBe(409);
    expect(chosen.json().code).toBe('SLUG_TAKEN');
  });

  it('refuses a category or brand of another store with 422', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/products', headers: auth(w.users.OWNER), payload: { storeId: s.id, name: 'X', sku: 'X-1', categoryId: w.stores.A1.categoryId } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'INVALID_REFERENCE', details: [{ path: 'body.categoryId' }] });
  });

  it('publishes and archives, and refuses nothing twice (the same status again is a no-op)', async () => {
    const id = ids['HAT-GREEN']!;
    const pub = await t.app.inject({ method: 'POST', url: `/api/products/${id}/publish`, headers: auth(w.users.CONTENT_MANAGER) });
    expect(pub.statusCode).toBe(404); // CONTENT_MANAGER of A1 does not reach this store
    const owner = (action: string) => t.app.inject({ method: 'POST', url: `/api/products/${id}/${action}`, headers: auth(w.users.OWNER) });
    expect((await owner('publish')).json().data.status).toBe('PUBLISHED');
    expect((await owner('publish')).statusCode).toBe(200);
    expect((await owner('archive')).json().data.status).toBe('ARCHIVED');
    expect((await owner('publish')).json().data.status).toBe('PUBLISHED');
  });
});
