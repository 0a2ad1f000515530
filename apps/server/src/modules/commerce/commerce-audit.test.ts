import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, registerUser } from '../../testing/users.ts';
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

  it('records a store role given by invitation and a customer link, each as a role change by the one who accepted', async () => {
    const u = await registerUser(t.app);
    const accept = (id: string) => t.app.inject({ method: 'POST', url: `/api/invitations/${id}/accept`, headers: auth(u) });
    const inv = (await call('OWNER', 'POST', `/api/stores/${w.stores.A1.id}/invitations`, { email: u.email, role: 'CONTENT_MANAGER' })).json().data;
    const [offered] = await entries({ action: 'commerce.invitation.create' }, inv.id);
    expect(offered).toMatchObject({ actorId: w.users.OWNER.id, storeId: w.stores.A1.id, details: { kind: 'store', changes: { role: { before: null, after: 'CONTENT_MANAGER' } } } });
    await accept(inv.id);
    const [staff] = await entries({ action: 'commerce.staff.role_change' }, u.id);
    expect(staff).toMatchObject({ actorId: u.id, storeId: w.stores.A1.id, details: { invitationId: inv.id, changes: { role: { before: null, after: 'CONTENT_MANAGER' } } } });
    const c = await w.fresh.customer(w.stores.A1);
    const link = (await call('STORE_ADMIN', 'POST', `/api/customers/${c}/invitations`, { email: u.email })).json().data;
    await accept(link.id);
    const [linked] = await entries({ action: 'commerce.customer.role_change' }, u.id);
    expect(linked).toMatchObject({ actorId: u.id, details: { customerId: c, invitedBy: w.users.STORE_ADMIN.id, changes: { role: { before: null, after: 'CUSTOMER' } } } });
  });

  it('names every audit target in the singular: field refusals, row refusals, restores', async () => {
    const id = await w.fresh.product(w.stores.A1);
    await call('SALES_MANAGER', 'PATCH', `/api/products/${id}`, { sku: 'NOPE-2' });
    const [field] = await entries({ action: 'commerce.product.update', userId: w.users.SALES_MANAGER.id }, id);
    expect(field).toMatchObject({ outcome: 'denied', targetType: 'product' });

    await call('CUSTOMER', 'POST', '/api/orders', { storeId: w.stores.A1.id, customerId: w.stores.A1.customerId, items: [{ productId: w.stores.A1.productId, quantity: 1 }] });
    const [row] = await entries({ action: 'commerce.order.create', userId: w.users.CUSTOMER.id });
    expect(row).toMatchObject({ outcome: 'denied', targetType: 'order', details: { reason: 'ROW_FORBIDDEN', required: 'orders:create' } });

    const s = await w.fresh.store(w.org.A);
    await call('OWNER', 'DELETE', `/api/stores/${s}`);
    await call('SUPER_ADMIN', 'POST', `/api/trash/stores/${s}/restore`);
    const [restored] = await entries({ action: 'commerce.store.restore' }, s);
    expect(restored).toMatchObject({ outcome: 'success', targetType: 'store' });
  });

  it('never records a change that did not happen', async () => {
    const id = await w.fresh.product(w.stores.A1, { price: 700 });
    const res = await call('OWNER', 'PATCH', `/api/products/${id}`, { price: 700 });
    expect(res.statusCode).toBe(200);
    expect(await entries({ action: 'commerce.product.update' }, id)).toEqual([]);
  });
});

describe('denials answered as 404 or 409 in the audit log', () => {
  const denied = async (role: Role, targetId: string) => entries({ action: 'access.denied', userId: w.users[role].id }, targetId);

  it('records a store role opening another store’s object by id, with actor, tenant, target and reason, and keeps the 404', async () => {
    for (const key of ['A2', 'B1'] as const) {
      const s = w.stores[key];
      const res = await call('STORE_ADMIN', 'GET', `/api/products/${s.productId}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'PRODUCT_NOT_FOUND', error: 'Product not found' });
      const [e] = await denied('STORE_ADMIN', s.productId);
      expect(e).toMatchObject({
        outcome: 'denied',
        actorId: w.users.STORE_ADMIN.id,
        organizationId: s.organizationId,
        storeId: s.id,
        targetType: 'product',
        targetId: s.productId,
        details: { status: 404, reason: 'OUT_OF_REACH' },
      });
    }
  });

  it('does not record an id that exists nowhere as a denial (a plain miss)', async () => {
    const nowhere = '00000000-0000-4000-8000-000000000404';
    expect((await call('STORE_ADMIN', 'GET', `/api/orders/${nowhere}`)).statusCode).toBe(404);
    expect(await denied('STORE_ADMIN', nowhere)).toEqual([]);
  });

  it('records a CUSTOMER reading or changing someone else’s order as NOT_OWN_RECORD, and keeps the 404', async () => {
    const order = await w.fresh.order(w.stores.A1, w.stores.A1.customerId);
    expect((await call('CUSTOMER', 'GET', `/api/orders/${order}`)).statusCode).toBe(404);
    expect((await call('CUSTOMER', 'PATCH', `/api/orders/${order}`, { status: 'CANCELLED' })).statusCode).toBe(404);
    const found = await denied('CUSTOMER', order);
    expect(found.map((e) => e.details)).toEqual([
      { status: 404, reason: 'NOT_OWN_RECORD', required: 'orders:update' },
      { status: 404, reason: 'NOT_OWN_RECORD', required: 'orders:read' },
    ]);
    expect(found[0]).toMatchObject({ actorId: w.users.CUSTOMER.id, organizationId: w.org.A, storeId: w.stores.A1.id, targetType: 'order' });
  });

  it('records a CUSTOMER asking for a product that is not for sale as ROW_FORBIDDEN', async () => {
    expect((await call('CUSTOMER', 'GET', `/api/products/${w.stores.A1.draftProductId}`)).statusCode).toBe(404);
    const [e] = await denied('CUSTOMER', w.stores.A1.draftProductId);
    expect(e).toMatchObject({ storeId: w.stores.A1.id, targetType: 'product', details: { status: 404, reason: 'ROW_FORBIDDEN', required: 'products:read' } });
  });

  it('records the refusal to remove or demote the last OWNER, with the organization and the member', async () => {
    const org = await w.fresh.org();
    await w.fresh.member(org, w.users.OWNER.id, 'OWNER');
    expect((await call('OWNER', 'DELETE', `/api/organizations/${org}/members/${w.users.OWNER.id}`)).statusCode).toBe(409);
    expect((await call('OWNER', 'PATCH', `/api/organizations/${org}/members/${w.users.OWNER.id}`, { role: 'ADMIN' })).statusCode).toBe(409);
    const found = (await entries({ action: 'commerce.member.role_change', userId: w.users.OWNER.id }, w.users.OWNER.id)).filter((e) => e.organizationId === org);
    expect(found.map((e) => [e.outcome, e.targetType, e.details])).toEqual([
      ['denied', 'user', { reason: 'LAST_OWNER', role: 'OWNER', to: 'ADMIN' }],
      ['denied', 'user', { reason: 'LAST_OWNER', role: 'OWNER', to: null }],
    ]);
  });
});
