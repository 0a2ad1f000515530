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

type Role = keyof World['users'];
const call = (role: Role, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: auth(w.users[role]), ...(payload ? { payload } : {}) });
async function entries(filter: { action?: string; userId?: string }, targetId?: string) {
  await t.container.audit.flush();
  return (await t.container.audit.list({ ...filter, limit: 500 })).filter((e) => targetId === undefined || e.targetId === targetId);
}

describe('the commerce audit trail', () => {
  it('records a refused request with its reason, the actor and the tenant', async () => {
    const res = await call('MEMBER', 'DELETE', `/api/products/${w.stores.A1.productId}`);
    expect(res.statusCode).toBe(403);
    const [e] = await entries({ action: 'access.denied', userId: w.users.MEMBER.id }, 'DELETE /api/products/:id');
    expect(e).toMatchObject({
      outcome: 'denied',
      actorId: w.users.MEMBER.id,
      organizationId: w.org.A,
      storeId: w.stores.A1.id,
      details: {
        status: 403,
        rule: 'permission',
        required: 'products:delete',
        message: 'Permission denied. You do not have permission to delete products.',
        resourceId: w.stores.A1.productId,
      },
    });
  });

  it('records a refused store outside the caller’s reach, with the store named', async () => {
    await call('STORE_ADMIN', 'GET', `/api/stores/${w.stores.B1.id}`);
    const [e] = await entries({ action: 'access.denied', userId: w.users.STORE_ADMIN.id }, 'GET /api/stores/:id');
    expect(e).toMatchObject({ organizationId: w.org.B, storeId: w.stores.B1.id, details: { status: 403, rule: 'scope', message: 'Access denied. You do not have permission to access this store.' } });
  });

  it('records a price change with the price before and after', async () => {
    const id = await w.fresh.product(w.stores.A1, { price: 1000 });
    await call('SALES_MANAGER', 'PATCH', `/api/products/${id}`, { price: 1250 });
    const [e] = await entries({ action: 'commerce.product.update' }, id);
    expect(e).toMatchObject({ outcome: 'success', actorId: w.users.SALES_MANAGER.id, organizationId: w.org.A, storeId: w.stores.A1.id, details: { changes: { price: { before: 1000, after: 1250 } } } });
  });

  it('records an order status change with the status before and after', async () => {
    const id = await w.fresh.order(w.stores.A1, w.stores.A1.customerId);
    await call('CUSTOMER_SERVICE', 'PATCH', `/api/orders/${id}`, { status: 'PAID' });
    const [e] = await entries({ action: 'commerce.order.status_change' }, id);
    expect(e).toMatchObject({ outcome: 'success', storeId: w.stores.A1.id, details: { changes: { status: { before: 'PENDING', after: 'PAID' } } } });
  });

  it('records a deletion with its deletedAt before and after, and a restore the other way', async () => {
    const id = await w.fresh.brand(w.stores.A2);
    await call('ADMIN', 'DELETE', `/api/brands/${id}`);
    await call('SUPER_ADMIN', 'POST', `/api/trash/brands/${id}/restore`);
    const [deleted] = await entries({ action: 'commerce.brand.delete' }, id);
    expect(deleted).toMatchObject({ actorId: w.users.ADMIN.id, organizationId: w.org.A, storeId: w.stores.A2.id, details: { changes: { deletedAt: { before: null, after: expect.any(String) } } } });
    const [restored] = await entries({ action: 'commerce.brand.restore' }, id);
    expect(restored).toMatchObject({ actorId: w.users.SUPER_ADMIN.id, details: { changes: { deletedAt: { before: expect.any(String), after: null } } } });
  });

  it('records a store role change and a customer link as role changes', async () => {
    const u = await w.fresh.user();
    await call('OWNER', 'POST', `/api/stores/${w.stores.A1.id}/staff`, { email: u.email, role: 'CONTENT_MANAGER' });
    const [staff] = await entries({ action: 'commerce.staff.role_change' }, u.id);
    expect(staff).toMatchObject({ storeId: w.stores.A1.id, details: { changes: { role: { before: null, after: 'CONTENT_MANAGER' } } } });
    const c = await w.fresh.customer(w.stores.A1);
    await call('STORE_ADMIN', 'PATCH', `/api/customers/${c}`, { userEmail: u.email });
    const [link] = await entries({ action: 'commerce.customer.role_change' }, u.id);
    expect(link).toMatchObject({ details: { customerId: c, changes: { role: { before: null, after: 'CUSTOMER' } } } });
  });

  it('never records a change that did not happen', async () => {
    const id = await w.fresh.product(w.stores.A1, { price: 700 });
    const res = await call('OWNER', 'PATCH', `/api/products/${id}`, { price: 700 });
    expect(res.statusCode).toBe(200);
    expect(await entries({ action: 'commerce.product.update' }, id)).toEqual([]);
  });
});
