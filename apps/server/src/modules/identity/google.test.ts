import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuth2Server } from 'oauth2-mock-server';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, nextIp, registerUser } from '../../testing/users.ts';

// A real OpenID provider on loopback: real RS256 keys, a real JWKS endpoint, real signatures.
const provider = new OAuth2Server();
const CLIENT_ID = 'gatehouse-test.apps.example.com';
let t: TestApp;

type Claims = Record<string, unknown>;
const idToken = (claims: Claims, opts: { expiresIn?: number; drop?: string[] } = {}) =>
  provider.issuer.buildToken({
    expiresIn: opts.expiresIn ?? 600,
    scopesOrTransform: (_header, payload) => {
      Object.assign(payload, { aud: CLIENT_ID, email_verified: true, ...claims });
      for (const k of opts.drop ?? []) delete (payload as Claims)[k];
    },
  });
const google = (token: string) =>
  t.app.inject({ method: 'POST', url: '/api/auth/google', remoteAddress: nextIp(), payload: { idToken: token } });

beforeAll(async () => {
  await provider.issuer.keys.generate('RS256');
  await provider.start(0, '127.0.0.1');
  const issuer = provider.issuer.url!;
  t = await createTestApp({ env: { GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_ISSUER: issuer, GOOGLE_JWKS_URL: `${issuer}/jwks` } });
});
afterAll(async () => {
  await t?.close();
  await provider.stop();
});

describe('Google sign-in', () => {
  it('creates the user on first sign-in and signs the same user in again', async () => {
    const first = await google(await idToken({ sub: 'g-1', email: 'First@Gmail.example', name: 'First G' }));
    expect(first.statusCode).toBe(200);
    const { user, tokens } = first.json().data;
    expect(user).toMatchObject({ email: 'first@gmail.example', name: 'First G', hasPassword: false, googleLinked: true });
    const again = await google(await idToken({ sub: 'g-1', email: 'first@gmail.example' }));
    expect(again.json().data.user.id).toBe(user.id);
    expect((await t.app.inject({ method: 'GET', url: '/api/users/me', headers: auth(tokens) })).statusCode).toBe(200);
  });

  it('links to an existing account with the same verified email', async () => {
    const u = await registerUser(t.app, { email: 'linkme@example.com' });
    const me = async () => (await t.app.inject({ method: 'GET', url: '/api/users/me', headers: auth(u) })).json().data;
    expect(await me()).toMatchObject({ googleLinked: false }); // the profile is cached now
    const res = await google(await idToken({ sub: 'g-link', email: 'LinkMe@example.com' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().data.user).toMatchObject({ id: u.id, hasPassword: true, googleLinked: true });
    // The link is a write to the user row: the cached profile shows it at once.
    expect(await me()).toMatchObject({ id: u.id, googleLinked: true });
  });

  it('refuses an unverified email with 403 and creates nothing', async () => {
    const res = await google(await idToken({ sub: 'g-unverified', email: 'unverified@example.com', email_verified: false }));
    expect(res.statusCode).toBe(403);
    const again = await google(await idToken({ sub: 'g-unverified-2', email: 'unverified@example.com' }));
    expect(again.json().data.user.googleLinked).toBe(true);
  });

  it('cleans control characters out of the name claim instead of failing (a NUL cannot be stored)', async () => {
    const res = await google(await idToken({ sub: 'g-nul', email: 'nul.name@example.com', name: 'Ada\u0000Love\nlace\u0007' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().data.user.name).toBe('Ada Love lace');
  });

  it('cuts a very long name claim to the length a name may have', async () => {
    const res = await google(await idToken({ sub: 'g-long-name', email: 'long.name@example.com', name: 'n'.repeat(5000) }));
    expect(res.statusCode).toBe(200);
    expect(res.json().data.user.name).toBe('n'.repeat(120));
  });

  it('refuses an email claim our own rule refuses, or one with a NUL, with 401 rather than failing', async () => {
    for (const email of ['bare@host', 'nul\u0000@example.com']) {
      const res = await google(await idToken({ sub: `g-bad-${email.length}`, email }));
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('INVALID_GOOGLE_TOKEN');
    }
  });

  it('audits the refusal of an unverified email', async () => {
    const res = await google(await idToken({ sub: 'g-unverified-audit', email: 'unverified.audit@example.com', email_verified: false }));
    expect(res.statusCode).toBe(403);
    await t.container.audit.flush();
    const entries = await t.container.audit.list({ action: 'auth.google' });
    const e = entries.find((x) => x.details?.googleSub === 'g-unverified-audit');
    expect(e).toMatchObject({ outcome: 'denied', actorId: null, details: { reason: 'email_unverified' } });
  });

  it('refuses with 409 to link an account already linked to another Google subject, and audits it', async () => {
    const owner = (await google(await idToken({ sub: 'g-owner', email: 'owned@example.com' }))).json().data.user;
    const res = await google(await idToken({ sub: 'g-intruder', email: 'Owned@example.com' }));
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('GOOGLE_ACCOUNT_MISMATCH');
    expect(res.body).not.toContain('accessToken');
    // The account still belongs to its own Google identity.
    const again = await google(await idToken({ sub: 'g-owner', email: 'owned@example.com' }));
    expect(again.json().data.user.id).toBe(owner.id);
    await t.container.audit.flush();
    const [e] = (await t.container.audit.list({ userId: owner.id, action: 'auth.google' })).filter((x) => x.outcome === 'denied');
    expect(e).toMatchObject({ subjectId: owner.id, actorId: null, details: { reason: 'linked_to_other_google_account', googleSub: 'g-intruder' } });
  });

  it.each([
    ['another audience', { aud: 'someone-elses-client' }, {}],
    ['another issuer', { iss: 'https://evil.example' }, {}],
    ['an expired token', {}, { expiresIn: -60 }],
    ['a token without exp', {}, { drop: ['exp'] }],
  ])('refuses %s with 401', async (_n, claims, opts) => {
    const res = await google(await idToken({ sub: 'g-x', email: 'x@example.com', ...claims }, opts));
    expect(res.statusCode).toBe(401);
  });

  it('refuses a token signed by a key outside the JWKS, and garbage', async () => {
    const stranger = new OAuth2Server();
    await stranger.issuer.keys.generate('RS256');
    stranger.issuer.url = provider.issuer.url; // same claims, different key: only the signature gives it away
    const forged = await stranger.issuer.buildToken({
      scopesOrTransform: (_h, p) => Object.assign(p, { iss: provider.issuer.url, aud: CLIENT_ID, sub: 'g-forged', email: 'forged@example.com', email_verified: true }),
    });
    expect((await google(forged)).statusCode).toBe(401);
    expect((await google('not.a.jwt')).statusCode).toBe(401);
  });
});

describe('Google sign-in when not configured', () => {
  it('answers 503 with a clear code', async () => {
    const plain = await createTestApp();
    try {
      const res = await plain.app.inject({ method: 'POST', url: '/api/auth/google', payload: { idToken: 'x' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('GOOGLE_NOT_CONFIGURED');
    } finally {
      await plain.close();
    }
  });
});
