import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../testing/app.ts';
import { auth } from '../../../testing/users.ts';
import { UNLIMITED_ENV, buildWorld, type World } from '../testing/world.ts';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED_ENV });
  w = await buildWorld(t);
});
afterAll(async () => t?.close());

const call = (method: 'POST' | 'PATCH' | 'DELETE' | 'GET', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: auth(w.users.STORE_ADMIN), ...(payload ? { payload } : {}) });
const create = async (name: string, parentId?: string) =>
  (await call('POST', '/api/categories', { storeId: w.stores.A1.id, name, ...(parentId ? { parentId } : {}) })).json().data as { id: string; slug: string };

describe('the category tree', () => {
  it('nests categories of one store and lists children of a parent', async () => {
    const root = await create('Clothing');
    const child = await create('Shirts', root.id);
    const res = await call('GET', `/api/categories?storeId=${w.stores.A1.id}&parentId=${root.id}`);
    expect(res.json().data.map((c: { id: string }) => c.id)).toEqual([child.id]);
  });

  it('refuses a cycle, including a category as its own parent', async () => {
    const a = await create('A');
    const b = await create('B', a.id);
    const c = await create('C', b.id);
    for (const [id, parentId] of [[a.id, c.id], [a.id, a.id]]) {
      const res = await call('PATCH', `/api/categories/${id}`, { parentId });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('CATEGORY_CYCLE');
    }
  });

  it('refuses a parent of another store', async () => {
    const res = await call('POST', '/api/categories', { storeId: w.stores.A1.id, name: 'Stray', parentId: w.stores.A2.categoryId });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('INVALID_REFERENCE');
  });

  it('will not delete a category that still has subcategories', async () => {
    const p = await create('Parent');
    const k = await create('Kid', p.id);
    expect((await call('DELETE', `/api/categories/${p.id}`)).statusCode).toBe(422);
    expect((await call('DELETE', `/api/categories/${k.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/categories/${p.id}`)).statusCode).toBe(204);
  });
});
