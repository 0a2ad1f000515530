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
const call = (role: Role, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: auth(w.users[role]), ...(payload ? { payload } : {}) });
const members = async (org: string) =>
  (await t.app.inject({ method: 'GET', url: `/api/organizations/${org}/members?perPage=100`, headers: auth(w.users.SUPER_ADMIN) })).json().data as Array<{ userId: string; role: string }>;
const roleOf = async (org: string, userId: string) => (await members(org)).find((m) => m.userId === userId)?.role;

/** A fresh organization with the given members (by world role) holding the given organization roles. */
async function orgWith(holders: Array<[Role, 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER']>): Promise<string> {
  const id = await w.fresh.org();
  for (const [who, role] of holders) await w.fresh.member(id, w.users[who].id, role);
  return id;
}

describe('the escalation guard', () => {
  it('refuses an ADMIN who offers OWNER, naming the permission it lacks, and writes nothing', async () => {
    const u = await w.fresh.user();
    const res = await call('ADMIN', 'POST', `/api/organizations/${w.org.A}/invitations`, { email: u.email, role: 'OWNER' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ROLE_ESCALATION', details: { role: 'OWNER', missing: ['org:delete'] } });
    expect(await roleOf(w.org.A, u.id)).toBeUndefined();
  });

  it('lets an ADMIN grant (by an accepted invitation) and change roles within its own permissions', async () => {
    const u = await registerUser(t.app);
    const inv = await call('ADMIN', 'POST', `/api/organizations/${w.org.A}/invitations`, { email: u.email, role: 'VIEWER' });
    expect(inv.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'POST', url: `/api/invitations/${inv.json().data.id}/accept`, headers: auth(u) })).statusCode).toBe(200);
    const up = await call('ADMIN', 'PATCH', `/api/organizations/${w.org.A}/members/${u.id}`, { role: 'ADMIN' });
    expect(up.statusCode).toBe(200);
    expect(up.json().data).toMatchObject({ userId: u.id, role: 'ADMIN', email: u.email });
  });

  it('does not let an ADMIN change or remove the OWNER', async () => {
    const org = await orgWith([['OWNER', 'OWNER'], ['ADMIN', 'ADMIN']]);
    const demote = await call('ADMIN', 'PATCH', `/api/organizations/${org}/members/${w.users.OWNER.id}`, { role: 'MEMBER' });
    expect(demote.statusCode).toBe(403);
    expect(demote.json()).toMatchObject({ code: 'OWNER_PROTECTED', error: 'Permission denied. Only an owner can change or remove an owner.' });
    expect((await call('ADMIN', 'DELETE', `/api/organizations/${org}/members/${w.users.OWNER.id}`)).statusCode).toBe(403);
    expect(await roleOf(org, w.users.OWNER.id)).toBe('OWNER');
  });

  it('does not let an ADMIN delete the organization', async () => {
    const org = await orgWith([['OWNER', 'OWNER'], ['ADMIN', 'ADMIN']]);
    const res = await call('ADMIN', 'DELETE', `/api/organizations/${org}`);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('Permission denied. You do not have permission to delete org.');
    expect((await call('OWNER', 'DELETE', `/api/organizations/${org}`)).statusCode).toBe(204);
  });

  it('never removes or demotes the last OWNER, not even by the OWNER itself', async () => {
    const org = await orgWith([['OWNER', 'OWNER']]);
    const leave = await call('OWNER', 'DELETE', `/api/organizations/${org}/members/${w.users.OWNER.id}`);
    expect(leave.statusCode).toBe(409);
    expect(leave.json().code).toBe('LAST_OWNER');
    expect((await call('OWNER', 'PATCH', `/api/organizations/${org}/members/${w.users.OWNER.id}`, { role: 'ADMIN' })).statusCode).toBe(409);
    expect((await call('SUPER_ADMIN', 'DELETE', `/api/organizations/${org}/members/${w.users.OWNER.id}`)).statusCode).toBe(409);
    expect(await roleOf(org, w.users.OWNER.id)).toBe('OWNER');
  });

  it('lets an OWNER step down once there is another OWNER', async () => {
    const org = await orgWith([['OWNER', 'OWNER'], ['MEMBER', 'MEMBER']]);
    expect((await call('OWNER', 'PATCH', `/api/organizations/${org}/members/${w.users.MEMBER.id}`, { role: 'OWNER' })).statusCode).toBe(200);
    expect((await call('OWNER', 'PATCH', `/api/organizations/${org}/members/${w.users.OWNER.id}`, { role: 'ADMIN' })).statusCode).toBe(200);
    expect(await roleOf(org, w.users.OWNER.id)).toBe('ADMIN');
  });

  it('keeps one OWNER when two owners demote each other at the same time', async () => {
    for (let round = 0; round < 5; round++) {
      const org = await orgWith([['OWNER', 'OWNER'], ['MEMBER', 'OWNER']]);
      const [a, b] = await Promise.all([
        call('OWNER', 'PATCH', `/api/organizations/${org}/members/${w.users.MEMBER.id}`, { role: 'ADMIN' }),
        call('MEMBER', 'PATCH', `/api/organizations/${org}/members/${w.users.OWNER.id}`, { role: 'ADMIN' }),
      ]);
      // The loser is refused either as the last owner (409) or, if the winner committed before it read its own role,
      // as a no-longer-owner touching an owner (403). Never both through.
      const codes = [a.statusCode, b.statusCode].sort();
      expect(codes[0]).toBe(200);
      expect([403, 409]).toContain(codes[1]);
      expect((await members(org)).filter((m) => m.role === 'OWNER')).toHaveLength(1);
    }
  });

  it('guards linking a user as CUSTOMER: CUSTOMER_SERVICE cannot offer a role that places orders', async () => {
    const u = await w.fresh.user();
    const body = { storeId: w.stores.A1.id, name: 'Linked', email: `linked-${u.id.slice(0, 6)}@example.com` };
    // The same role may create the customer record itself.
    const c = await call('CUSTOMER_SERVICE', 'POST', '/api/customers', body);
    expect(c.statusCode).toBe(201);
    const refused = await call('CUSTOMER_SERVICE', 'POST', `/api/customers/${c.json().data.id}/invitations`, { email: u.email });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'ROLE_ESCALATION', details: { role: 'CUSTOMER', missing: ['orders:create'] } });
    expect((await call('SALES_MANAGER', 'POST', `/api/customers/${c.json().data.id}/invitations`, { email: u.email })).statusCode).toBe(201);
  });

  it('gives store roles by accepted invitation, changes and takes them through the staff endpoints, each at once', async () => {
    const u = await registerUser(t.app);
    const base = `/api/stores/${w.stores.A2.id}/staff`;
    const product = () => t.app.inject({ method: 'GET', url: `/api/products/${w.stores.A2.productId}`, headers: auth(u) });
    const remove = () => t.app.inject({ method: 'DELETE', url: `/api/products/${w.stores.A2.productId}`, headers: auth(u) });
    expect((await product()).statusCode).toBe(404);
    const inv = await call('OWNER', 'POST', `/api/stores/${w.stores.A2.id}/invitations`, { email: u.email, role: 'STORE_ADMIN' });
    expect(inv.statusCode).toBe(201);
    expect((await product()).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `/api/invitations/${inv.json().data.id}/accept`, headers: auth(u) })).statusCode).toBe(200);
    expect((await product()).statusCode).toBe(200);
    expect((await call('OWNER', 'POST', `/api/stores/${w.stores.A2.id}/invitations`, { email: u.email, role: 'DELIVERY_BOY' })).json().code).toBe('ALREADY_MEMBER');
    expect((await call('OWNER', 'PATCH', `${base}/${u.id}`, { role: 'MARKETING_MANAGER' })).json().data.role).toBe('MARKETING_MANAGER');
    expect((await remove()).statusCode).toBe(403);
    expect((await call('OWNER', 'DELETE', `${base}/${u.id}`)).statusCode).toBe(204);
    expect((await product()).statusCode).toBe(404);
    expect((await call('OWNER', 'DELETE', `${base}/${u.id}`)).statusCode).toBe(404);
  });

  it('records role changes with before and after, and refusals with their reason', async () => {
    const u = await registerUser(t.app);
    const inv = (await call('OWNER', 'POST', `/api/organizations/${w.org.A}/invitations`, { email: u.email, role: 'MEMBER' })).json().data;
    await t.app.inject({ method: 'POST', url: `/api/invitations/${inv.id}/accept`, headers: auth(u) });
    await call('OWNER', 'PATCH', `/api/organizations/${w.org.A}/members/${u.id}`, { role: 'VIEWER' });
    await call('ADMIN', 'PATCH', `/api/organizations/${w.org.A}/members/${u.id}`, { role: 'OWNER' });
    await t.container.audit.flush();
    const entries = (await t.container.audit.list({ action: 'commerce.member.role_change', organizationId: w.org.A })).filter((e) => e.targetId === u.id);
    expect(entries.map((e) => [e.outcome, e.details])).toEqual([
      ['denied', { reason: 'ROLE_ESCALATION', role: 'OWNER', missing: ['org:delete'] }],
      ['success', { changes: { role: { before: 'MEMBER', after: 'VIEWER' } } }],
      ['success', { changes: { role: { before: null, after: 'MEMBER' } }, invitationId: inv.id, invitedBy: w.users.OWNER.id }],
    ]);
    expect(entries[1]!.actorId).toBe(w.users.OWNER.id);
  });
});
