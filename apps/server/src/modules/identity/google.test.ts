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
    const res = await google(await idToken({ sub: 'g-link', email: 'LinkMe@example.com' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().data.user).toMatchObject({ id: u.id, hasPassword: true, googleLinked: true });
  });

  it('refuses an unverified email with 403 and creates nothing', async () => {
    const res = await google(await idToken({ sub: 'g-unverified', email: 'unverified@example.com', email_verified: false }));
    expect(res.statusCode).toBe(403);
    const again = await google(await idToken({ sub: 'g-unverified-2', email: 'unverified@example.com' }));
    expect(again.json().data.user.googleLinked).toBe(true);
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
