import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, registerUser, setUser, type TestUser } from '../../testing/users.ts';

let t: TestApp;
let alice: TestUser;
let staff: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app, { email: 'alice@example.com', name: 'Alice' });
  staff = await registerUser(t.app, { email: 'staff@example.com' });
  await setUser(t.container, staff.id, { isStaff: true });
});
afterAll(async () => t?.close());

const get = (url: string, u: TestUser | null) => t.app.inject({ method: 'GET', url, headers: u ? auth(u) : {} });

describe('own profile', () => {
  it('returns the caller’s profile and nobody else’s', async () => {
    const res = await get('/api/users/me', alice);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ id: alice.id, email: 'alice@example.com', name: 'Alice', isStaff: false });
  });

  it('is also served with the trailing slash', async () => {
    expect((await get('/api/users/me/', alice)).statusCode).toBe(200);
  });

  it('updates the name', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: '/api/users/me', headers: auth(alice), payload: { name: 'Alice A.' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.name).toBe('Alice A.');
  });

  it.each([['isStaff', true], ['tier', 'enterprise'], ['credits', 1_000_000], ['email', 'mallory@example.com'], ['passwordHash', 'x']])(
    'refuses to write %s with 400 and changes nothing',
    async (field, value) => {
      const res = await t.app.inject({ method: 'PATCH', url: '/api/users/me', headers: auth(alice), payload: { name: 'Hacker', [field]: value } });
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toContainEqual({ path: `body.${field}`, message: 'unknown field' });
      const after = (await get('/api/users/me', alice)).json().data;
      expect(after).toMatchObject({ name: 'Alice A.', isStaff: false, tier: 'free', credits: 0, email: 'alice@example.com' });
    },
  );

  it('refuses a name with a NUL or other control character with 400, not a database error', async () => {
    for (const name of ['bad\u0000name', 'line\nbreak']) {
      const res = await t.app.inject({ method: 'PATCH', url: '/api/users/me', headers: auth(alice), payload: { name } });
      expect(res.statusCode).toBe(400);
    }
  });

  it('refuses an over-long name', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: '/api/users/me', headers: auth(alice), payload: { name: 'n'.repeat(500) } });
    expect(res.statusCode).toBe(400);
  });

  it('sees a tier change made by an operator on the next request', async () => {
    const bob = await registerUser(t.app);
    await setUser(t.container, bob.id, { tier: 'pro' });
    expect((await get('/api/users/me', bob)).json().data.tier).toBe('pro');
  });
});

describe('own profile from the user cache', () => {
  const meOf = async (u: TestUser) => (await get('/api/users/me', u)).json().data as Record<string, unknown>;

  it('shows every change to the profile on the very next request', async () => {
    const dan = await registerUser(t.app, { name: 'Dan' });
    const before = await meOf(dan);
    expect(await meOf(dan)).toEqual(before); // warm: now served from the cache
    // Its own PATCH.
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/users/me', headers: auth(dan), payload: { name: 'Daniel' } });
    expect(patched.statusCode).toBe(200);
    const afterName = await meOf(dan);
    expect(afterName).toMatchObject({ name: 'Daniel' });
    expect(afterName.updatedAt).not.toBe(before.updatedAt);
    // A password change (updatedAt moves).
    await new Promise((r) => setTimeout(r, 5));
    const pw = await t.app.inject({ method: 'POST', url: '/api/users/password', headers: auth(dan), payload: { currentPassword: dan.password, newPassword: 'the next passphrase' } });
    expect(pw.statusCode).toBe(204);
    const afterPassword = await meOf(dan);
    expect(afterPassword.updatedAt).not.toBe(afterName.updatedAt);
    // An operator's change of tier, staff flag and credits.
    await setUser(t.container, dan.id, { tier: 'enterprise', isStaff: true, credits: 42 });
    expect(await meOf(dan)).toMatchObject({ name: 'Daniel', tier: 'enterprise', isStaff: true, credits: 42 });
  });

  it('shows a change made through another instance (same database, shared bus) on the next request', async () => {
    const { createContainer } = await import('../../container.ts');
    const { buildApp } = await import('../../app.ts');
    const other = await createContainer(t.container.config, { database: { ...t.container.database, close: async () => undefined }, bus: t.container.bus });
    const app2 = await buildApp(other);
    try {
      const erin = await registerUser(t.app, { name: 'Erin' });
      const onSecond = async () => (await app2.inject({ method: 'GET', url: '/api/users/me', headers: auth(erin) })).json().data;
      expect(await onSecond()).toMatchObject({ name: 'Erin' }); // cached on the second instance
      const res = await t.app.inject({ method: 'PATCH', url: '/api/users/me', headers: auth(erin), payload: { name: 'Erin B.' } });
      expect(res.statusCode).toBe(200);
      expect(await onSecond()).toMatchObject({ name: 'Erin B.' });
    } finally {
      await app2.close();
      await other.close();
    }
  });
});

describe('staff views of users', () => {
  it('refuses a non-staff user on the user list and on another user with 403', async () => {
    expect((await get('/api/users/', alice)).statusCode).toBe(403);
    expect((await get(`/api/users/${staff.id}`, alice)).statusCode).toBe(403);
    expect((await get(`/api/users/${alice.id}`, alice)).statusCode).toBe(403);
  });

  it('refuses anonymous callers with 401', async () => {
    expect((await get('/api/users/', null)).statusCode).toBe(401);
  });

  it('lets staff view any user and audits the view', async () => {
    const res = await get(`/api/users/${alice.id}`, staff);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.email).toBe('alice@example.com');
    await t.container.audit.flush();
    const entries = await t.container.audit.list({ userId: alice.id, action: 'admin.view_user' });
    expect(entries[0]).toMatchObject({ actorId: staff.id, subjectId: alice.id, outcome: 'success' });
  });

  it('answers an unknown user id with 404 and a malformed one with 400', async () => {
    expect((await get('/api/users/00000000-0000-4000-8000-000000000000', staff)).statusCode).toBe(404);
    expect((await get('/api/users/not-a-uuid', staff)).statusCode).toBe(400);
  });

  it('lists users with pagination and an email search that treats wildcards literally', async () => {
    const page = await get('/api/users/?perPage=1&page=1', staff);
    expect(page.statusCode).toBe(200);
    expect(page.json().data).toHaveLength(1);
    expect(page.json().meta).toMatchObject({ page: 1, perPage: 1 });
    expect(page.json().meta.total).toBeGreaterThanOrEqual(2);
    const found = await get('/api/users/?email=ALICE@', staff);
    expect(found.json().data.map((u: { email: string }) => u.email)).toEqual(['alice@example.com']);
    expect((await get('/api/users/?email=%25', staff)).json().data).toEqual([]);
  });

  it('refuses perPage above 100 and unknown query parameters', async () => {
    expect((await get('/api/users/?perPage=101', staff)).statusCode).toBe(400);
    expect((await get('/api/users/?isStaff=true', staff)).statusCode).toBe(400);
  });

  it('audits a non-staff user’s denied attempt with the reason', async () => {
    const carol = await registerUser(t.app);
    await get('/api/users/', carol);
    await t.container.audit.flush();
    const [entry] = await t.container.audit.list({ userId: carol.id, action: 'access.denied' });
    expect(entry).toMatchObject({ outcome: 'denied', targetId: 'GET /api/users/' });
    expect(entry!.details).toMatchObject({ status: 403, rule: 'admin', required: 'staff user' });
  });
});
