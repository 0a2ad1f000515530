import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, registerUser, type TestUser } from '../../testing/users.ts';
import { sql } from 'drizzle-orm';
import type { Principal } from '@gatehouse/policy';
import { systemContext } from '../../http/context.ts';
import { MAX_ACTIVE_KEYS_PER_USER, createApiKeysService } from './api-keys.service.ts';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});
afterAll(async () => t?.close());

const create = (u: TestUser, payload: Record<string, unknown> = { name: 'ci' }) =>
  t.app.inject({ method: 'POST', url: '/api/keys/', headers: auth(u), payload });
const withKey = (key: string) => t.app.inject({ method: 'GET', url: '/api/users/me', headers: { 'x-api-key': key } });

describe('API keys', () => {
  it('shows the secret once on create and never in the list', async () => {
    const res = await create(alice, { name: 'deploy' });
    expect(res.statusCode).toBe(201);
    const k = res.json().data;
    expect(k.key).toMatch(/^gh_[a-z2-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(k.key.startsWith(k.prefix)).toBe(true);
    const list = await t.app.inject({ method: 'GET', url: '/api/keys/', headers: auth(alice) });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(k.key);
    expect(list.body).not.toMatch(/keyHash|key_hash|"key"/);
    expect(list.json().data.map((x: { id: string }) => x.id)).toContain(k.id);
  });

  it('authenticates as its owner through X-API-Key and records lastUsedAt', async () => {
    const k = (await create(alice)).json().data;
    const res = await withKey(k.key);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.id).toBe(alice.id);
    await new Promise((r) => setTimeout(r, 50));
    const listed = (await t.app.inject({ method: 'GET', url: '/api/keys/', headers: auth(alice) })).json().data.find((x: { id: string }) => x.id === k.id);
    expect(listed.lastUsedAt).not.toBeNull();
  });

  it('lists only the caller’s own keys', async () => {
    const mine = (await create(bob, { name: 'bob-only' })).json().data;
    const list = (await t.app.inject({ method: 'GET', url: '/api/keys/', headers: auth(alice) })).json().data;
    expect(list.map((x: { id: string }) => x.id)).not.toContain(mine.id);
  });

  it('is looked up once, then answered from memory without a promise, until it is deleted', async () => {
    const k = (await create(alice)).json().data;
    const first = t.container.apiKeys.authenticate(k.key);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ userId: alice.id, keyId: k.id });
    expect(t.container.apiKeys.authenticate(k.key)).toEqual({ userId: alice.id, keyId: k.id });
    // Through the whole resolver too: the warm path is synchronous.
    const resolved = t.container.identity.resolver.resolve({ apiKey: k.key }, { ip: '127.0.0.1' });
    expect(resolved).toMatchObject({ userId: alice.id, via: 'apiKey', apiKeyId: k.id });
    // Garbage never becomes a lookup.
    expect(t.container.apiKeys.authenticate('gh_nope')).toBeNull();
    expect((await t.app.inject({ method: 'DELETE', url: `/api/keys/${k.id}`, headers: auth(alice) })).statusCode).toBe(204);
    expect(await t.container.apiKeys.authenticate(k.key)).toBeNull();
  });

  it('with a Bearer token too, answers only when both are valid and name the same user (cold and cached key)', async () => {
    const both = (key: string, token: string) =>
      t.app.inject({ method: 'GET', url: '/api/users/me', headers: { 'x-api-key': key, authorization: `Bearer ${token}` } });
    const aliceKey = (await create(alice)).json().data.key as string;
    const bobKey = (await create(bob)).json().data.key as string;
    // First use of each key: looked up while the token is checked.
    expect((await both(aliceKey, alice.accessToken)).json().data.id).toBe(alice.id);
    expect((await both(bobKey, alice.accessToken)).statusCode).toBe(401);
    // Cached now.
    expect((await both(aliceKey, alice.accessToken)).statusCode).toBe(200);
    expect((await both(bobKey, alice.accessToken)).statusCode).toBe(401);
    expect((await both(aliceKey, bob.accessToken)).statusCode).toBe(401);
    expect((await both(`${aliceKey.slice(0, -2)}xx`, alice.accessToken)).statusCode).toBe(401);
    expect((await both(aliceKey, `${alice.accessToken.slice(0, -2)}xx`)).statusCode).toBe(401);
  });

  it('stops working at once when deleted', async () => {
    const k = (await create(alice)).json().data;
    expect((await withKey(k.key)).statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/keys/${k.id}`, headers: auth(alice) });
    expect(del.statusCode).toBe(204);
    expect((await withKey(k.key)).statusCode).toBe(401);
  });

  it('rotates: the new secret works and the old one stops at once', async () => {
    const k = (await create(alice)).json().data;
    expect((await withKey(k.key)).statusCode).toBe(200);
    const rot = await t.app.inject({ method: 'POST', url: `/api/keys/${k.id}/rotate`, headers: auth(alice) });
    expect(rot.statusCode).toBe(200);
    const next = rot.json().data;
    expect(next.id).toBe(k.id);
    expect(next.key).not.toBe(k.key);
    expect((await withKey(k.key)).statusCode).toBe(401);
    expect((await withKey(next.key)).statusCode).toBe(200);
  });

  it("answers another user's key id with 404 on delete and rotate, and deletes nothing", async () => {
    const k = (await create(alice)).json().data;
    const del = await t.app.inject({ method: 'DELETE', url: `/api/keys/${k.id}`, headers: auth(bob) });
    expect(del.statusCode).toBe(404);
    const rot = await t.app.inject({ method: 'POST', url: `/api/keys/${k.id}/rotate`, headers: auth(bob) });
    expect(rot.statusCode).toBe(404);
    expect(rot.body).not.toContain('gh_');
    expect((await withKey(k.key)).statusCode).toBe(200);
  });

  it('refuses an expired key', async () => {
    const k = (await create(alice, { name: 'short', expiresAt: new Date(Date.now() + 1500).toISOString() })).json().data;
    expect((await withKey(k.key)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await withKey(k.key)).statusCode).toBe(401);
  });

  it.each([
    ['an expiry in the past', { name: 'x', expiresAt: '2001-01-01T00:00:00Z' }],
    ['a malformed expiry', { name: 'x', expiresAt: 'tomorrow' }],
    ['an empty name', { name: '' }],
    ['a name with a NUL', { name: 'ci\u0000' }],
    ['an unknown field', { name: 'x', userId: '00000000-0000-4000-8000-000000000000' }],
  ])('refuses %s with 400', async (_n, payload) => {
    expect((await create(alice, payload)).statusCode).toBe(400);
  });

  it('refuses malformed, unknown and look-alike keys with 401', async () => {
    const k = (await create(alice)).json().data;
    const flipped = k.key.slice(0, -1) + (k.key.endsWith('A') ? 'B' : 'A');
    for (const key of ['nope', `${k.prefix}_${'A'.repeat(43)}`, flipped, 'x'.repeat(5000)]) {
      expect((await withKey(key)).statusCode, key.slice(0, 20)).toBe(401);
    }
  });

  it('acts with the owner’s current rights, never more', async () => {
    const k = (await create(bob)).json().data;
    expect((await t.app.inject({ method: 'GET', url: '/api/users/', headers: { 'x-api-key': k.key } })).statusCode).toBe(403);
  });

  it('audits create, rotate and delete', async () => {
    const k = (await create(alice)).json().data;
    await t.app.inject({ method: 'POST', url: `/api/keys/${k.id}/rotate`, headers: auth(alice) });
    await t.app.inject({ method: 'DELETE', url: `/api/keys/${k.id}`, headers: auth(alice) });
    const entries = (await t.container.audit.list({ userId: alice.id })).filter((e) => e.targetId === k.id);
    expect(entries.map((e) => e.action).sort()).toEqual(['api_key.create', 'api_key.delete', 'api_key.rotate']);
    expect(JSON.stringify(entries)).not.toContain(k.key);
  });
});

describe('the cap on API keys', () => {
  it('refuses a key beyond 100 active ones with 409, and counts neither deleted nor expired keys', async () => {
    const carol = await registerUser(t.app);
    const ids: string[] = [];
    for (let i = 0; i < MAX_ACTIVE_KEYS_PER_USER; i++) {
      const r = await create(carol, { name: `key ${i}` });
      expect(r.statusCode).toBe(201);
      ids.push(r.json().data.id);
    }
    const over = await create(carol, { name: 'one too many' });
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ code: 'API_KEY_LIMIT_REACHED', details: { limit: 100 } });
    expect(over.body).not.toContain('"key"');
    // The cap is per user.
    expect((await create(bob, { name: 'bob is fine' })).statusCode).toBe(201);
    // Deleting one frees a slot.
    expect((await t.app.inject({ method: 'DELETE', url: `/api/keys/${ids[0]}`, headers: auth(carol) })).statusCode).toBe(204);
    expect((await create(carol, { name: 'replacement' })).statusCode).toBe(201);
    // An expired key no longer counts.
    await t.container.database.db.execute(sql`update api_keys set expires_at = now() - interval '1 minute' where id = ${ids[1]}`);
    expect((await create(carol, { name: 'after expiry' })).statusCode).toBe(201);
    expect((await create(carol, { name: 'over again' })).statusCode).toBe(409);
  });

  it('lets only one of two concurrent creates take the last slot', async () => {
    const u = await registerUser(t.app);
    const { container } = t;
    const keys = createApiKeysService({ db: container.database.db, bus: container.bus, audit: container.audit, maxActiveKeys: 2 });
    try {
      const principal: Principal = { userId: u.id, tier: 'free', isStaff: false, credits: 0, via: 'jwt' };
      const ctx = { ...systemContext(t.app.log, principal), principal };
      await keys.create(ctx, { name: 'first' });
      const results = await Promise.allSettled([keys.create(ctx, { name: 'a' }), keys.create(ctx, { name: 'b' })]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'API_KEY_LIMIT_REACHED' });
    } finally {
      keys.close();
    }
  });
});
