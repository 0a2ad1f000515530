import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth } from '../../testing/users.ts';
import { buildWorld, type World } from './testing/world.ts';

let t: TestApp;
let w: World;
beforeAll(async () => {
  // Tiny per-role windows, a generous per-tier default: the role window is the one that bites.
  t = await createTestApp({ env: { RATE_DEFAULT_FREE_PER_MINUTE: '1000', COMMERCE_RATE_CUSTOMER_PER_HOUR: '5', COMMERCE_RATE_STAFF_PER_MINUTE: '8' } });
  w = await buildWorld(t);
});
afterAll(async () => t?.close());

const get = (u: { accessToken: string }, url: string) => t.app.inject({ method: 'GET', url, headers: auth(u) });

describe('per-role rate limits', () => {
  it('limit CUSTOMER calls per hour with their own window and headers, then answer 429 with Retry-After', async () => {
    const url = `/api/products?storeId=${w.stores.A1.id}`;
    for (let i = 0; i < 5; i++) {
      const res = await get(w.users.CUSTOMER, url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('5');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(4 - i));
      const reset = Number(res.headers['x-ratelimit-reset']);
      expect(reset).toBeGreaterThan(Date.now() / 1000 + 3000);
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    }
    const over = await get(w.users.CUSTOMER, url);
    expect(over.statusCode).toBe(429);
    expect(over.json().code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // The per-role window counts commerce calls only: the account's other endpoints go on.
    expect((await get(w.users.CUSTOMER, '/api/users/me')).statusCode).toBe(200);
  });

  it('counts the same user’s staff calls apart from its customer calls', async () => {
    // The CUSTOMER user also works in A2: there it calls as staff, in a window of its own.
    await w.fresh.staff(w.stores.A2.id, w.users.CUSTOMER.id, 'DELIVERY_BOY');
    const res = await get(w.users.CUSTOMER, `/api/orders?storeId=${w.stores.A2.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-ratelimit-limit']).toBe('8');
    expect((await get(w.users.CUSTOMER, `/api/orders?storeId=${w.stores.A1.id}`)).statusCode).toBe(429);
  });

  it('limit staff per minute, each user on its own', async () => {
    for (let i = 0; i < 8; i++) expect((await get(w.users.STORE_ADMIN, `/api/stores/${w.stores.A1.id}`)).statusCode).toBe(200);
    expect((await get(w.users.STORE_ADMIN, `/api/stores/${w.stores.A1.id}`)).statusCode).toBe(429);
    const other = await get(w.users.INVENTORY_MANAGER, `/api/products/${w.stores.A1.productId}`);
    expect(other.statusCode).toBe(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('7');
  });

  it('report the tighter window when the tier window has less room', async () => {
    const tight = await createTestApp({ env: { RATE_DEFAULT_FREE_PER_MINUTE: '3', COMMERCE_RATE_STAFF_PER_MINUTE: '50' } });
    try {
      const world = await buildWorld(tight, 'tight.test');
      const res = await tight.app.inject({ method: 'GET', url: `/api/stores/${world.stores.A1.id}`, headers: auth(world.users.OWNER) });
      expect(res.headers['x-ratelimit-limit']).toBe('3');
    } finally {
      await tight.close();
    }
  });
});
