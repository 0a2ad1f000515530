import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSigner } from 'fast-jwt';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, nextIp, registerUser } from '../../testing/users.ts';
import { systemContext } from '../../http/context.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/users/me', headers });
const login = (email: string, password: string, ip = nextIp()) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { email, password } });
const refresh = (refreshToken: string) =>
  t.app.inject({ method: 'POST', url: '/api/auth/refresh', remoteAddress: nextIp(), payload: { refreshToken } });

describe('registration', () => {
  it('creates an account and returns the user and tokens without any secret', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', remoteAddress: nextIp(), payload: { email: 'New.Person@Example.com', password: 'a sturdy passphrase', name: 'New' } });
    expect(res.statusCode).toBe(201);
    const { user, tokens } = res.json().data;
    expect(user).toMatchObject({ email: 'new.person@example.com', name: 'New', tier: 'free', isStaff: false, credits: 0, hasPassword: true });
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(res.body).not.toMatch(/argon2|passwordHash|password_hash/);
    expect((await me(auth(tokens))).statusCode).toBe(200);
  });

  it('refuses an email that exists in another case with 409', async () => {
    await registerUser(t.app, { email: 'dup@example.com' });
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', remoteAddress: nextIp(), payload: { email: 'DUP@example.com', password: 'another passphrase' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('EMAIL_TAKEN');
  });

  it.each([
    ['a malformed email', { email: 'not-an-email', password: 'a sturdy passphrase' }, 'body.email'],
    ['a very long email', { email: `${'a'.repeat(250)}@example.com`, password: 'a sturdy passphrase' }, 'body.email'],
    ['a short password', { email: 'short@example.com', password: 'short' }, 'body.password'],
    ['a very long password', { email: 'long@example.com', password: 'x'.repeat(300) }, 'body.password'],
    ['a password containing the email', { email: 'alice.smith@example.com', password: 'alice.smith@example.com1' }, 'body.password'],
    ['an unknown field', { email: 'x@example.com', password: 'a sturdy passphrase', isStaff: true }, 'body.isStaff'],
  ])('refuses %s with 400 naming the field', async (_name, payload, path) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', remoteAddress: nextIp(), payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('limits registrations to 5 an hour per IP', async () => {
    const ip = nextIp();
    const codes = [];
    for (let i = 0; i < 6; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/auth/register', remoteAddress: ip, payload: { email: `burst${i}@example.com`, password: 'a sturdy passphrase' } });
      codes.push(r.statusCode);
    }
    expect(codes).toEqual([201, 201, 201, 201, 201, 429]);
  });
});

describe('login', () => {
  it('signs in with the right password, whatever the email case', async () => {
    const u = await registerUser(t.app, { email: 'login.ok@example.com' });
    const res = await login('LOGIN.OK@example.com', u.password);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.user.id).toBe(u.id);
  });

  it('gives a wrong password and an unknown email the same 401, and verifies a hash for both', async () => {
    const u = await registerUser(t.app);
    const verify = vi.spyOn(t.container.identity.hasher, 'verify');
    const wrong = await login(u.email, 'not the password');
    const unknown = await login('nobody-here@example.com', 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error).toBe(unknown.json().error);
    expect(wrong.json().code).toBe(unknown.json().code);
    // Both paths ran exactly one argon2 verification: the unknown email against a dummy hash.
    expect(verify).toHaveBeenCalledTimes(2);
    verify.mockRestore();
  });

  it('limits logins to 10 a minute per IP', async () => {
    const ip = nextIp();
    const codes = [];
    for (let i = 0; i < 11; i++) codes.push((await login('nobody@example.com', 'whatever it is', ip)).statusCode);
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes[10]).toBe(429);
  });
});

describe('sign-in failures per account', () => {
  it('throttles one email after ten failures from any addresses, even with the right password then', async () => {
    const u = await registerUser(t.app);
    for (let i = 0; i < 10; i++) expect((await login(u.email, 'not the password')).statusCode).toBe(401);
    const blocked = await login(u.email, u.password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(60);
    // Other accounts are not affected.
    const other = await registerUser(t.app);
    expect((await login(other.email, other.password)).statusCode).toBe(200);
  });

  it('throttles an unknown email the same way, so the 429 reveals no account', async () => {
    const known = await registerUser(t.app);
    const answers = [];
    for (const email of [known.email, 'no-such-account@example.com']) {
      for (let i = 0; i < 10; i++) await login(email, 'not the password');
      const r = await login(email, 'not the password');
      answers.push([r.statusCode, r.json().code, r.json().error]);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]![0]).toBe(429);
  });

  it('does not count successful sign-ins', async () => {
    const u = await registerUser(t.app);
    for (let i = 0; i < 12; i++) expect((await login(u.email, u.password)).statusCode).toBe(200);
  });
});

describe('access tokens', () => {
  const secret = 'test-secret-that-is-at-least-32-bytes-long!!';
  const forge = (opts: Record<string, unknown>, payload: Record<string, unknown>, key = secret) =>
    createSigner({ key, algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' }, ...opts })(payload);

  it('accepts a token forged with exactly our settings (so the refusals below test one thing each)', async () => {
    const u = await registerUser(t.app);
    const [, body] = u.accessToken.split('.');
    const { sid } = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const token = forge({ iss: 'gatehouse', aud: 'gatehouse-api', expiresIn: 60_000 }, { sub: u.id, sid });
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(200);
  });

  it.each([
    ['a tampered payload', 'tamper'],
    ['an expired token', 'expired'],
    ['a token signed with another secret', 'secret'],
    ['alg: none', 'none'],
    ['a wrong audience', 'aud'],
    ['a wrong issuer', 'iss'],
    ['no exp claim', 'noexp'],
    ['a wrong typ header', 'typ'],
  ])('refuses %s with 401', async (_name, kind) => {
    const u = await registerUser(t.app);
    const [h, b, s] = u.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(b!, 'base64url').toString());
    const base = { sub: u.id, sid: claims.sid };
    const std = { iss: 'gatehouse', aud: 'gatehouse-api', expiresIn: 60_000 };
    let token: string;
    switch (kind) {
      case 'tamper':
        token = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${s}`;
        break;
      case 'expired':
        token = forge({ ...std, expiresIn: undefined }, { ...base, exp: Math.floor(Date.now() / 1000) - 10, iat: Math.floor(Date.now() / 1000) - 100 });
        break;
      case 'secret':
        token = forge(std, base, 'another-secret-that-is-at-least-32-bytes!!');
        break;
      case 'none':
        token = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${b}.`;
        break;
      case 'aud':
        token = forge({ ...std, aud: 'someone-else' }, base);
        break;
      case 'iss':
        token = forge({ ...std, iss: 'evil' }, base);
        break;
      case 'noexp':
        token = forge({ iss: 'gatehouse', aud: 'gatehouse-api' }, base);
        break;
      default:
        token = createSigner({ key: secret, algorithm: 'HS256', ...std })(base);
    }
    const res = await me({ authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('Unauthorized');
  });
});

describe('sign-in writes', () => {
  it('writes the session, its refresh token and the audit row in one statement: when one part fails, none is written', async () => {
    const { insertSessionWith } = await import('./sessions.repo.ts');
    const u = await registerUser(t.app);
    const db = t.container.database.db;
    const sessionId = '00000000-0000-4000-8000-00000000cafe';
    // The audit row is the statement's last part; an id that is no UUID makes it fail.
    const failing = { ...t.container.audit.insertValues('a_', systemContext(console as never), { action: 'auth.login', outcome: 'success' }), a_id: 'not-a-uuid' };
    await expect(
      insertSessionWith(db, { id: sessionId, userId: u.id, expiresAt: new Date(Date.now() + 60_000), ip: null, userAgent: null }, { id: '00000000-0000-4000-8000-00000000beef', sessionId, tokenHash: 'x'.repeat(64) }, failing),
    ).rejects.toThrow();
    const rows = await db.execute(sql`select (select count(*) from sessions where id = ${sessionId})::int as s, (select count(*) from refresh_tokens where session_id = ${sessionId})::int as r`);
    expect((rows as unknown as { rows: Array<{ s: number; r: number }> }).rows[0]).toEqual({ s: 0, r: 0 });
  });

  it('records a login with its session and audit row', async () => {
    const u = await registerUser(t.app);
    const res = await login(u.email, u.password);
    expect(res.statusCode).toBe(200);
    const { accessToken } = res.json().data.tokens;
    const sid = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid as string;
    const rows = await t.container.database.db.execute(
      sql`select (select count(*) from refresh_tokens where session_id = ${sid})::int as r, (select count(*) from audit_log where actor_id = ${u.id} and action = 'auth.login' and outcome = 'success' and details is null and ip is not null)::int as a`,
    );
    expect((rows as unknown as { rows: Array<{ r: number; a: number }> }).rows[0]).toEqual({ r: 1, a: 1 });
  });

  it('stores the audit row’s details as JSON and its absent fields as NULL, as a bound insert would', async () => {
    const { insertSessionWith } = await import('./sessions.repo.ts');
    const u = await registerUser(t.app);
    const db = t.container.database.db;
    const sessionId = '00000000-0000-4000-8000-00000000d00d';
    const audit = t.container.audit.insertValues('a_', { ...systemContext(console as never), ip: '10.9.8.7' }, { action: 'auth.google', outcome: 'success', actorId: u.id, details: { account: 'linked', n: 1 } });
    await insertSessionWith(db, { id: sessionId, userId: u.id, expiresAt: new Date(Date.now() + 60_000), ip: '10.9.8.7', userAgent: null }, { id: '00000000-0000-4000-8000-00000000f00d', sessionId, tokenHash: 'y'.repeat(64) }, audit);
    const [entry] = await t.container.audit.list({ userId: u.id, action: 'auth.google' });
    expect(entry).toMatchObject({ actorId: u.id, outcome: 'success', ip: '10.9.8.7', details: { account: 'linked', n: 1 }, targetType: null, userAgent: null });
    const rows = await db.execute(sql`select expires_at > now() as live, user_agent is null as no_ua from sessions where id = ${sessionId}`);
    expect((rows as unknown as { rows: Array<{ live: boolean; no_ua: boolean }> }).rows[0]).toEqual({ live: true, no_ua: true });
  });
});

describe('the principal resolver', () => {
  it('answers a warm Bearer token without a promise, and still refuses it once its session is logged out', async () => {
    const u = await registerUser(t.app);
    const resolve = () => t.container.identity.resolver.resolve({ bearer: u.accessToken }, { ip: '127.0.0.1' });
    expect(await resolve()).toMatchObject({ userId: u.id, via: 'jwt' });
    expect(resolve()).toMatchObject({ userId: u.id, via: 'jwt' });
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth(u) })).statusCode).toBe(204);
    expect(resolve()).toBe('invalid');
  });
});

describe('access token age', () => {
  const secret = 'test-secret-that-is-at-least-32-bytes-long!!';
  const now = () => Math.floor(Date.now() / 1000);
  const sidOf = (u: { accessToken: string }) => JSON.parse(Buffer.from(u.accessToken.split('.')[1]!, 'base64url').toString()).sid as string;
  const forge = (payload: Record<string, unknown>) =>
    createSigner({ key: secret, algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' }, iss: 'gatehouse', aud: 'gatehouse-api' })(payload);

  it('refuses a logged-out token issued under a longer TTL after the TTL was lowered and the server restarted', async () => {
    const u = await registerUser(t.app);
    const sid = sidOf(u);
    // Issued 20 minutes ago under a one-hour TTL: still unexpired by its own exp.
    const old = forge({ sub: u.id, sid, iat: now() - 20 * 60, exp: now() + 40 * 60 });
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth(u) });
    // The logout happened 20 minutes ago: beyond what a restart with the current 15-minute TTL reloads.
    await t.container.database.db.execute(sql`update sessions set revoked_at = now() - interval '20 minutes' where id = ${sid}`);
    const { createContainer } = await import('../../container.ts');
    const { buildApp } = await import('../../app.ts');
    const fresh = await createContainer(t.container.config, { database: { ...t.container.database, close: async () => undefined } });
    const app2 = await buildApp(fresh);
    try {
      expect(fresh.identity.tokens.verify(old)).toBeNull();
      expect((await app2.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${old}` } })).statusCode).toBe(401);
    } finally {
      await app2.close();
      await fresh.close();
    }
  });

  it('refuses a token older than the current access TTL even when its own exp is later', async () => {
    const u = await registerUser(t.app);
    const token = forge({ sub: u.id, sid: sidOf(u), iat: now() - 16 * 60, exp: now() + 44 * 60 });
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(401);
  });

  it('refuses a token issued in the future beyond a small clock skew, and accepts one within it', async () => {
    const u = await registerUser(t.app);
    const future = forge({ sub: u.id, sid: sidOf(u), iat: now() + 5 * 60, exp: now() + 15 * 60 });
    expect((await me({ authorization: `Bearer ${future}` })).statusCode).toBe(401);
    const skewed = forge({ sub: u.id, sid: sidOf(u), iat: now() + 10, exp: now() + 10 * 60 });
    expect((await me({ authorization: `Bearer ${skewed}` })).statusCode).toBe(200);
  });

  it('refuses a token without iat', async () => {
    const u = await registerUser(t.app);
    const token = createSigner({ key: secret, algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' }, iss: 'gatehouse', aud: 'gatehouse-api', noTimestamp: true, expiresIn: 60_000 })({ sub: u.id, sid: sidOf(u) });
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(401);
  });
});

describe('refresh', () => {
  it('rotates: the new refresh token works and the old one stops working', async () => {
    const u = await registerUser(t.app);
    const first = await refresh(u.refreshToken);
    expect(first.statusCode).toBe(200);
    const next = first.json().data.tokens;
    expect(next.refreshToken).not.toBe(u.refreshToken);
    expect((await me(auth(next))).statusCode).toBe(200);
    expect((await refresh(next.refreshToken)).statusCode).toBe(200);
  });

  it('treats a reused refresh token as theft: 401, and the whole family is dead', async () => {
    const u = await registerUser(t.app);
    const next = (await refresh(u.refreshToken)).json().data.tokens;
    const reuse = await refresh(u.refreshToken);
    expect(reuse.statusCode).toBe(401);
    // The legitimate holder's newer tokens die too: refresh and access.
    expect((await refresh(next.refreshToken)).statusCode).toBe(401);
    expect((await me(auth(next))).statusCode).toBe(401);
    expect((await me(auth(u))).statusCode).toBe(401);
    await t.container.audit.flush();
    const entries = await t.container.audit.list({ userId: u.id, action: 'auth.refresh_reuse_detected' });
    expect(entries).toHaveLength(1);
  });

  it('answers two concurrent refreshes with one token by issuing once and killing the family', async () => {
    const u = await registerUser(t.app);
    const [a, b] = await Promise.all([refresh(u.refreshToken), refresh(u.refreshToken)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 401]);
    const winner = (a.statusCode === 200 ? a : b).json().data.tokens;
    expect((await me(auth(winner))).statusCode).toBe(401);
  });

  it('counts refreshes per session family, so eleven people behind one address all refresh', async () => {
    const people = [];
    for (let i = 0; i < 11; i++) people.push(await registerUser(t.app));
    const nat = nextIp();
    const codes = [];
    for (const p of people) {
      codes.push((await t.app.inject({ method: 'POST', url: '/api/auth/refresh', remoteAddress: nat, payload: { refreshToken: p.refreshToken } })).statusCode);
    }
    expect(codes).toEqual(Array(11).fill(200));
  });

  it('limits one session family to the auth tier’s 10 refreshes a minute, from any address', async () => {
    const u = await registerUser(t.app);
    let token = u.refreshToken;
    for (let i = 0; i < 10; i++) {
      const r = await refresh(token);
      expect(r.statusCode).toBe(200);
      token = r.json().data.tokens.refreshToken;
    }
    const over = await refresh(token);
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    expect(over.headers['x-ratelimit-limit']).toBe('10');
    // Refused before the handler: the token was not spent, and the family is alive.
    expect((await me(auth(u))).statusCode).toBe(200);
  });

  it('caps refresh attempts from one address at a looser per-IP ceiling against token spraying', async () => {
    const ip = nextIp();
    const codes = [];
    for (let i = 0; i < 61; i++) {
      codes.push((await t.app.inject({ method: 'POST', url: '/api/auth/refresh', remoteAddress: ip, payload: { refreshToken: `ghr_made-up-${i}` } })).statusCode);
    }
    expect(codes.slice(0, 60)).toEqual(Array(60).fill(401));
    expect(codes[60]).toBe(429);
  });

  it('refuses garbage and unknown refresh tokens with 401', async () => {
    expect((await refresh('ghr_nope')).statusCode).toBe(401);
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: 'x'.repeat(600) } });
    expect(bad.statusCode).toBe(400);
  });
});

describe('logout', () => {
  it('ends the access token and its refresh family at once', async () => {
    const u = await registerUser(t.app);
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth(u) });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await me(auth(u))).statusCode).toBe(401);
    expect((await refresh(u.refreshToken)).statusCode).toBe(401);
  });

  it('leaves the user’s other sessions alone', async () => {
    const u = await registerUser(t.app);
    const other = (await login(u.email, u.password)).json().data.tokens;
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth(u) });
    expect((await me(auth(other))).statusCode).toBe(200);
  });

  it('accepts a JSON content type with no body (the body is optional)', async () => {
    const u = await registerUser(t.app);
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...auth(u), 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(204);
    expect((await me(auth(u))).statusCode).toBe(401);
  });

  it('needs a principal', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(401);
  });

  it('keeps revoked sessions revoked after a restart (the revocation set is reloaded)', async () => {
    const u = await registerUser(t.app);
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth(u) });
    const { createContainer } = await import('../../container.ts');
    const { buildApp } = await import('../../app.ts');
    const fresh = await createContainer(t.container.config, { database: { ...t.container.database, close: async () => undefined } });
    const app2 = await buildApp(fresh);
    try {
      expect((await app2.inject({ method: 'GET', url: '/api/users/me', headers: auth(u) })).statusCode).toBe(401);
    } finally {
      await app2.close();
      await fresh.close();
    }
  });
});

describe('password change', () => {
  const change = (u: { accessToken: string }, currentPassword: string, newPassword: string) =>
    t.app.inject({ method: 'POST', url: '/api/users/password', headers: auth(u), payload: { currentPassword, newPassword } });

  it('changes the password, keeps this session, and revokes the others at once', async () => {
    const u = await registerUser(t.app);
    const other = (await login(u.email, u.password)).json().data.tokens;
    expect((await change(u, u.password, 'a brand new passphrase')).statusCode).toBe(204);
    expect((await me(auth(u))).statusCode).toBe(200);
    expect((await me(auth(other))).statusCode).toBe(401);
    expect((await refresh(other.refreshToken)).statusCode).toBe(401);
    expect((await login(u.email, u.password)).statusCode).toBe(401);
    expect((await login(u.email, 'a brand new passphrase')).statusCode).toBe(200);
  });

  it('refuses a wrong current password with 403 and changes nothing', async () => {
    const u = await registerUser(t.app);
    expect((await change(u, 'wrong current one', 'a brand new passphrase')).statusCode).toBe(403);
    expect((await login(u.email, u.password)).statusCode).toBe(200);
  });

  it('refuses a weak new password with 400', async () => {
    const u = await registerUser(t.app);
    const res = await change(u, u.password, 'short');
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].path).toBe('body.newPassword');
  });
});
