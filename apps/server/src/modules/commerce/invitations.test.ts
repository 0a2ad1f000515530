import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, registerUser, type TestUser } from '../../testing/users.ts';
import { invitations } from './commerce.tables.ts';
import { UNLIMITED_ENV, buildWorld, type World } from './testing/world.ts';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED_ENV });
  w = await buildWorld(t);
});
afterAll(async () => t?.close());

type Role = keyof World['users'];
type Who = Role | TestUser;
const as = (who: Who) => auth(typeof who === 'string' ? w.users[who] : who);
const call = (who: Who, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: as(who), ...(payload ? { payload } : {}) });
const mine = async (who: Who) => ((await call(who, 'GET', '/api/invitations?perPage=100')).json().data as Array<{ id: string; role: string; scope: Record<string, unknown> }>);
const roleIn = async (org: string, userId: string) =>
  ((await call('SUPER_ADMIN', 'GET', `/api/organizations/${org}/members?perPage=100`)).json().data as Array<{ userId: string; role: string }>).find((m) => m.userId === userId)?.role;
async function entries(action: string, targetId: string) {
  await t.container.audit.flush();
  return (await t.container.audit.list({ action, limit: 500 })).filter((e) => e.targetId === targetId);
}
/** A fresh organization in which the given users hold the given roles. */
async function orgWith(...holders: Array<[string, 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER']>): Promise<string> {
  const id = await w.fresh.org();
  for (const [userId, role] of holders) await w.fresh.member(id, userId, role);
  return id;
}

describe('inviting by email', () => {
  it('answers the same whether or not the email has an account, never with a user id, and grants nothing yet', async () => {
    const existing = await registerUser(t.app);
    const org = await orgWith([w.users.OWNER.id, 'OWNER']);
    const a = await call('OWNER', 'POST', `/api/organizations/${org}/invitations`, { email: existing.email, role: 'VIEWER' });
    const b = await call('OWNER', 'POST', `/api/organizations/${org}/invitations`, { email: `nobody-${Date.now()}@example.com`, role: 'VIEWER' });
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    for (const res of [a, b]) {
      expect(Object.keys(res.json().data).sort()).toEqual(['createdAt', 'email', 'expiresAt', 'id', 'respondedAt', 'role', 'scope', 'status']);
      expect(res.json().data).toMatchObject({ role: 'VIEWER', status: 'PENDING', scope: { type: 'organization', organizationId: org, storeId: null, customerId: null } });
      expect(res.body).not.toContain(existing.id);
    }
    const days = (Date.parse(a.json().data.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect(await roleIn(org, existing.id)).toBeUndefined();
  });

  it('gives the role only when the invitee accepts, and only to the invitee', async () => {
    const u = await registerUser(t.app);
    const other = await registerUser(t.app);
    const org = await orgWith([w.users.OWNER.id, 'OWNER']);
    const inv = (await call('OWNER', 'POST', `/api/organizations/${org}/invitations`, { email: u.email.toUpperCase(), role: 'MEMBER' })).json().data;
    expect(inv.email).toBe(u.email.toLowerCase());
    expect(await mine(other)).toEqual([]);
    expect((await call(other, 'POST', `/api/invitations/${inv.id}/accept`)).statusCode).toBe(404);
    expect((await call(u, 'GET', `/api/organizations/${org}`)).statusCode).toBe(403);

    expect(await mine(u)).toEqual([expect.objectContaining({ id: inv.id, role: 'MEMBER', scope: expect.objectContaining({ organizationName: expect.any(String) }) })]);
    const accepted = await call(u, 'POST', `/api/invitations/${inv.id}/accept`);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().data).toMatchObject({ id: inv.id, status: 'ACCEPTED', respondedAt: expect.any(String) });
    expect(await roleIn(org, u.id)).toBe('MEMBER');
    expect((await call(u, 'GET', `/api/organizations/${org}`)).statusCode).toBe(200);
    expect(await mine(u)).toEqual([]);
    const again = await call(u, 'POST', `/api/invitations/${inv.id}/accept`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('INVITATION_NOT_PENDING');
    const [role] = await entries('commerce.member.role_change', u.id);
    expect(role).toMatchObject({ actorId: u.id, organizationId: org, details: { changes: { role: { before: null, after: 'MEMBER' } }, invitationId: inv.id, invitedBy: w.users.OWNER.id } });
  });

  it('lets the invitee decline, and grants nothing', async () => {
    const u = await registerUser(t.app);
    const org = await orgWith([w.users.OWNER.id, 'OWNER']);
    const inv = (await call('OWNER', 'POST', `/api/organizations/${org}/invitations`, { email: u.email, role: 'ADMIN' })).json().data;
    const res = await call(u, 'POST', `/api/invitations/${inv.id}/decline`);
    expect(res.json().data.status).toBe('DECLINED');
    expect((await call(u, 'POST', `/api/invitations/${inv.id}/accept`)).json().code).toBe('INVITATION_NOT_PENDING');
    expect(await roleIn(org, u.id)).toBeUndefined();
  });

  it('lets the inviter list and revoke the scope’s pending invitations; a revoked one cannot be accepted', async () => {
    const u = await registerUser(t.app);
    const org = await orgWith([w.users.OWNER.id, 'OWNER'], [w.users.ADMIN.id, 'ADMIN']);
    const inv = (await call('OWNER', 'POST', `/api/organizations/${org}/invitations`, { email: u.email, role: 'VIEWER' })).json().data;
    const listed = await call('ADMIN', 'GET', `/api/organizations/${org}/invitations`);
    expect(listed.json().data.map((i: { id: string }) => i.id)).toEqual([inv.id]);
    expect((await call('MEMBER', 'GET', `/api/organizations/${w.org.A}/invitations`)).statusCode).toBe(403);
    expect((await call('ADMIN', 'DELETE', `/api/organizations/${org}/invitations/${inv.id}`)).statusCode).toBe(204);
    expect((await call('ADMIN', 'GET', `/api/organizations/${org}/invitations`)).json().data).toEqual([]);
    expect((await call(u, 'POST', `/api/invitations/${inv.id}/accept`)).json().code).toBe('INVITATION_NOT_PENDING');
    // Another organization's invitation is not found through this one.
    const elsewhere = (await call('OWNER', 'POST', `/api/organizations/${w.org.A}/invitations`, { email: u.email, role: 'VIEWER' })).json().data;
    expect((await call('OWNER', 'DELETE', `/api/organizations/${org}/invitations/${elsewhere.id}`)).statusCode).toBe(404);
  });

  it('renews the pending invitation when the same email is invited again (one pending per scope and email)', async () => {
    const email = `renew-${Date.now()}@example.com`;
    const first = (await call('OWNER', 'POST', `/api/organizations/${w.org.A}/invitations`, { email, role: 'VIEWER' })).json().data;
    const second = (await call('OWNER', 'POST', `/api/organizations/${w.org.A}/invitations`, { email, role: 'MEMBER' })).json().data;
    expect(second).toMatchObject({ id: first.id, role: 'MEMBER', status: 'PENDING' });
  });

  it('refuses to invite someone who already holds a role here (409: the inviter can list members anyway)', async () => {
    const res = await call('OWNER', 'POST', `/api/organizations/${w.org.A}/invitations`, { email: roleEmailOf('MEMBER'), role: 'VIEWER' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('ALREADY_MEMBER');
  });

  it('refuses an expired invitation, hides it from the invitee and shows it EXPIRED to the inviter', async () => {
    const u = await registerUser(t.app);
    const org = await orgWith([w.users.OWNER.id, 'OWNER']);
    const inv = (await call('OWNER', 'POST', `/api/organizations/${org}/invitations`, { email: u.email, role: 'VIEWER' })).json().data;
    await t.container.database.db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, inv.id));
    expect(await mine(u)).toEqual([]);
    expect((await call(u, 'POST', `/api/invitations/${inv.id}/accept`)).json().code).toBe('INVITATION_EXPIRED');
    expect((await call('OWNER', 'GET', `/api/organizations/${org}/invitations`)).json().data[0].status).toBe('EXPIRED');
    expect(await roleIn(org, u.id)).toBeUndefined();
  });

  it('audits an attempt to accept someone else’s invitation as a denial, and answers 404', async () => {
    const org = await orgWith([w.users.OWNER.id, 'OWNER']);
    const inv = (await call('OWNER', 'POST', `/api/organizations/${org}/invitations`, { email: `target-${Date.now()}@example.com`, role: 'ADMIN' })).json().data;
    const thief = await registerUser(t.app);
    expect((await call(thief, 'POST', `/api/invitations/${inv.id}/accept`)).statusCode).toBe(404);
    expect((await call(thief, 'POST', `/api/invitations/${inv.id}/decline`)).statusCode).toBe(404);
    const found = await entries('access.denied', inv.id);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ actorId: thief.id, organizationId: org, targetType: 'invitation', details: { status: 404, reason: 'NOT_INVITEE' } });
  });
});

describe('the escalation guard on invitations', () => {
  it('applies when inviting: ADMIN cannot invite an OWNER (403, audited, nothing written)', async () => {
    const email = `would-be-owner-${Date.now()}@example.com`;
    const res = await call('ADMIN', 'POST', `/api/organizations/${w.org.A}/invitations`, { email, role: 'OWNER' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ROLE_ESCALATION', details: { role: 'OWNER', missing: ['org:delete'] } });
    const rows = await t.container.database.db.select().from(invitations).where(eq(invitations.email, email));
    expect(rows).toEqual([]);
    await t.container.audit.flush();
    const [e] = (await t.container.audit.list({ action: 'commerce.invitation.create', userId: w.users.ADMIN.id })).filter((x) => x.outcome === 'denied');
    expect(e).toMatchObject({ organizationId: w.org.A, details: { reason: 'ROLE_ESCALATION', role: 'OWNER', missing: ['org:delete'] } });
  });

  it('applies again when accepting: an invitation from an inviter demoted since cannot be accepted', async () => {
    const inviter = await registerUser(t.app);
    const u = await registerUser(t.app);
    const org = await orgWith([w.users.OWNER.id, 'OWNER'], [inviter.id, 'OWNER']);
    const inv = (await call(inviter, 'POST', `/api/organizations/${org}/invitations`, { email: u.email, role: 'OWNER' })).json().data;
    expect((await call('OWNER', 'PATCH', `/api/organizations/${org}/members/${inviter.id}`, { role: 'ADMIN' })).statusCode).toBe(200);
    const res = await call(u, 'POST', `/api/invitations/${inv.id}/accept`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ROLE_ESCALATION', details: { role: 'OWNER', missing: ['org:delete'] } });
    expect(await roleIn(org, u.id)).toBeUndefined();
    const [e] = (await entries('commerce.invitation.accept', inv.id)).filter((x) => x.outcome === 'denied');
    expect(e).toMatchObject({ actorId: u.id, organizationId: org, details: { reason: 'ROLE_ESCALATION', invitedBy: inviter.id } });
    // An inviter removed altogether leaves nothing to accept either.
    const inv2 = await call(inviter, 'POST', `/api/organizations/${org}/invitations`, { email: u.email, role: 'VIEWER' });
    expect(inv2.statusCode).toBe(201);
    expect((await call('OWNER', 'DELETE', `/api/organizations/${org}/members/${inviter.id}`)).statusCode).toBe(204);
    expect((await call(u, 'POST', `/api/invitations/${inv2.json().data.id}/accept`)).statusCode).toBe(403);
    expect(await roleIn(org, u.id)).toBeUndefined();
  });
});

describe('store and customer invitations', () => {
  it('give a store role when accepted, within the store only', async () => {
    const u = await registerUser(t.app);
    const product = () => call(u, 'GET', `/api/products/${w.stores.A2.productId}`);
    expect((await call('STORE_ADMIN', 'POST', `/api/stores/${w.stores.A1.id}/invitations`, { email: u.email, role: 'DELIVERY_BOY' })).statusCode).toBe(403);
    const inv = (await call('OWNER', 'POST', `/api/stores/${w.stores.A2.id}/invitations`, { email: u.email, role: 'STORE_ADMIN' })).json().data;
    expect(inv.scope).toMatchObject({ type: 'store', storeId: w.stores.A2.id, storeName: expect.any(String) });
    expect((await product()).statusCode).toBe(404);
    expect((await call(u, 'POST', `/api/invitations/${inv.id}/accept`)).statusCode).toBe(200);
    expect((await product()).statusCode).toBe(200);
    expect((await call(u, 'GET', `/api/products/${w.stores.A1.productId}`)).statusCode).toBe(404);
    const staff = (await call('OWNER', 'GET', `/api/stores/${w.stores.A2.id}/staff?perPage=100`)).json().data;
    expect(staff).toContainEqual(expect.objectContaining({ userId: u.id, role: 'STORE_ADMIN' }));
  });

  it('link a customer record to a user account only when that user accepts, and only by roles that may grant CUSTOMER', async () => {
    const u = await registerUser(t.app);
    const c = await w.fresh.customer(w.stores.A1);
    const url = `/api/customers/${c}/invitations`;
    const refused = await call('CUSTOMER_SERVICE', 'POST', url, { email: u.email });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'ROLE_ESCALATION', details: { role: 'CUSTOMER', missing: ['orders:create'] } });
    expect((await call('CUSTOMER_SERVICE', 'GET', url)).statusCode).toBe(403);
    const inv = (await call('SALES_MANAGER', 'POST', url, { email: u.email })).json().data;
    expect(inv).toMatchObject({ role: 'CUSTOMER', scope: { type: 'customer', customerId: c, storeId: w.stores.A1.id } });
    const orders = () => call(u, 'GET', `/api/orders?storeId=${w.stores.A1.id}`);
    expect((await orders()).statusCode).toBe(403);
    expect((await call(u, 'POST', `/api/invitations/${inv.id}/accept`)).statusCode).toBe(200);
    expect((await orders()).statusCode).toBe(200);
    // The link is the business of those who manage links; other readers of customers do not see the account.
    expect((await call('SALES_MANAGER', 'GET', `/api/customers/${c}`)).json().data.userId).toBe(u.id);
    for (const role of ['CUSTOMER_SERVICE', 'DELIVERY_BOY', 'MEMBER', 'MARKETING_MANAGER'] as const) {
      const res = await call(role, 'GET', `/api/customers/${c}`);
      expect(res.statusCode, role).toBe(200);
      expect(res.json().data, role).not.toHaveProperty('userId');
    }
    // A linked record takes no further invitation; unlinking (by a role that could grant CUSTOMER) ends the role.
    expect((await call('SALES_MANAGER', 'POST', url, { email: `x-${Date.now()}@example.com` })).json().code).toBe('CUSTOMER_LINKED');
    expect((await call('CUSTOMER_SERVICE', 'PATCH', `/api/customers/${c}`, { userId: null })).statusCode).toBe(403);
    expect((await call('SALES_MANAGER', 'PATCH', `/api/customers/${c}`, { userId: null })).json().data.userId).toBeNull();
    expect((await orders()).statusCode).toBe(403);
  });

  it('never lets a customer PATCH set a link (only null is accepted)', async () => {
    const c = await w.fresh.customer(w.stores.A1);
    const res = await call('OWNER', 'PATCH', `/api/customers/${c}`, { userId: w.users.MEMBER.id });
    expect(res.statusCode).toBe(400);
    const create = await call('OWNER', 'POST', '/api/customers', { storeId: w.stores.A1.id, name: 'X', email: `x-${Date.now()}@example.com`, userEmail: w.users.MEMBER.email });
    expect(create.statusCode).toBe(400);
  });
});

function roleEmailOf(role: Role): string {
  return w.users[role].email;
}
