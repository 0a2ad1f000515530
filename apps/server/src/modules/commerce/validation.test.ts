/**
 * Every commerce input has a malformed variant: path ids that are not UUIDs, unknown body fields, unknown query
 * parameters. Generated from the route declarations, so a new route is covered as soon as it exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, registerUser, setUser, type TestUser } from '../../testing/users.ts';
import { COMMERCE_SECTION } from './index.ts';

let t: TestApp;
let staff: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  staff = await registerUser(t.app);
  await setUser(t.container, staff.id, { isStaff: true });
});
afterAll(async () => t?.close());

const commerceRoutes = () => t.container.routes.filter((r) => r.docs.section === COMMERCE_SECTION);
const VALID_ID = '00000000-0000-4000-8000-000000000001';
const fill = (url: string, bad?: string) =>
  url.replace(/:(\w+)/g, (_m, name: string) => (name === bad ? 'not-a-uuid' : name === 'type' ? 'products' : VALID_ID));

describe('malformed commerce input', () => {
  it('answers 400 naming the parameter for every path id that is not a UUID', async () => {
    const wrong: string[] = [];
    for (const r of commerceRoutes()) {
      for (const [, name] of r.url.matchAll(/:(\w+)/g)) {
        const res = await t.app.inject({ method: r.method as 'GET', url: fill(r.url, name), headers: auth(staff), ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
        const details = res.statusCode === 400 ? (res.json().details as Array<{ path: string }>) : [];
        if (res.statusCode !== 400 || !details.some((d) => d.path === `params.${name}`)) wrong.push(`${r.method} ${r.url} (${name}): ${res.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers 400 "unknown field" for an unknown body field on every route that takes a body', async () => {
    const wrong: string[] = [];
    for (const r of commerceRoutes().filter((x) => x.schema && 'body' in x.schema)) {
      const res = await t.app.inject({ method: r.method as 'POST', url: fill(r.url), headers: auth(staff), payload: { isStaff: true } });
      if (res.statusCode !== 400 || !(res.json().details as Array<{ path: string; message: string }>).some((d) => d.path === 'body.isStaff' && d.message === 'unknown field')) {
        wrong.push(`${r.method} ${r.url}: ${res.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers 400 for an unknown query parameter and for a page size over the limit on every list', async () => {
    const wrong: string[] = [];
    for (const r of commerceRoutes().filter((x) => x.method === 'GET' && x.schema && 'querystring' in x.schema)) {
      const sep = r.url.includes('?') ? '&' : '?';
      const base = fill(r.url) + (r.url === '/api/trash' ? '?type=products' : '');
      for (const extra of ['tenant=everyone', 'perPage=1000']) {
        const res = await t.app.inject({ method: 'GET', url: `${base}${base.includes('?') ? '&' : sep}${extra}`, headers: auth(staff) });
        if (res.statusCode !== 400) wrong.push(`${r.url} ${extra}: ${res.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses bad values: negative prices, non-integer money, a bad currency, an empty order', async () => {
    const bodies = [
      ['/api/products', { storeId: VALID_ID, name: 'x', sku: 'x', price: -1 }],
      ['/api/products', { storeId: VALID_ID, name: 'x', sku: 'x', price: 10.5 }],
      ['/api/products', { storeId: VALID_ID, name: 'x', sku: 'x', currency: 'usd' }],
      ['/api/products', { storeId: VALID_ID, name: 'x', sku: 'has space' }],
      ['/api/orders', { storeId: VALID_ID, items: [] }],
      ['/api/orders', { storeId: VALID_ID, items: [{ productId: VALID_ID, quantity: 0 }] }],
      ['/api/stores', { name: 'x', slug: 'Not A Slug' }],
    ] as const;
    for (const [url, payload] of bodies) {
      const res = await t.app.inject({ method: 'POST', url, headers: auth(staff), payload });
      expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(400);
    }
  });
});
