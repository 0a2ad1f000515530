import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSigner } from 'fast-jwt';
import { ACCESS_TYP, createAccessTokens } from './tokens.ts';

const secret = 'test-secret-that-is-at-least-32-bytes-long!!';
const settings = { secret, issuer: 'gatehouse', audience: 'gatehouse-api', accessTtlSeconds: 900 };
const USER = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';
const SESSION = '00000000-0000-4000-8000-0000000000aa';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const part = (token: string, i: number) => token.split('.')[i]!;

afterEach(() => {
  vi.useRealTimers();
});

describe('the verified-token cache', () => {
  it('answers a repeated token from the cache, with the same claims', () => {
    const tokens = createAccessTokens(settings);
    const t = tokens.sign(USER, SESSION);
    const first = tokens.verify(t);
    expect(first).toMatchObject({ sub: USER, sid: SESSION });
    expect(tokens.verify(t)).toBe(first);
  });

  it('refuses another payload carrying a cached token’s signature (a hit is the exact token)', () => {
    const tokens = createAccessTokens(settings);
    const t = tokens.sign(USER, SESSION);
    expect(tokens.verify(t)).not.toBeNull();
    const payload = JSON.parse(Buffer.from(part(t, 1), 'base64url').toString()) as Record<string, unknown>;
    const swapped = `${part(t, 0)}.${b64({ ...payload, sub: OTHER })}.${part(t, 2)}`;
    expect(tokens.verify(swapped)).toBeNull();
    // The genuine token still works, from the cache or not.
    expect(tokens.verify(t)).toMatchObject({ sub: USER });
  });

  it('accepts only the compact base64url form: other spellings of a valid signature are refused', () => {
    const tokens = createAccessTokens(settings);
    const t = tokens.sign(USER, SESSION);
    expect(tokens.verify(t)).not.toBeNull();
    const sig = part(t, 2);
    const standard = Buffer.from(sig, 'base64url').toString('base64');
    for (const spelling of [`${t}=`, `${t}==`, `${part(t, 0)}.${part(t, 1)}.${standard}`, `${t.slice(0, -1)}!${t.slice(-1)}`, ` ${t}`]) {
      expect(tokens.verify(spelling)).toBeNull();
    }
  });

  it('stops answering a cached token once it is older than the access TTL', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = createAccessTokens(settings);
    const t = tokens.sign(USER, SESSION);
    expect(tokens.verify(t)).not.toBeNull();
    vi.advanceTimersByTime(899_000);
    expect(tokens.verify(t)).not.toBeNull();
    vi.advanceTimersByTime(2_000);
    expect(tokens.verify(t)).toBeNull();
  });

  it('checks a token with a future iat on every call, cached or not', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = createAccessTokens(settings);
    const now = Math.floor(Date.now() / 1000);
    const sign = createSigner({ key: secret, algorithm: 'HS256', header: { alg: 'HS256', typ: ACCESS_TYP }, iss: 'gatehouse', aud: 'gatehouse-api' });
    // Within the allowed skew: accepted (and cached).
    const skewed = sign({ sub: USER, sid: SESSION, iat: now + 20, exp: now + 600 });
    expect(tokens.verify(skewed)).not.toBeNull();
    expect(tokens.verify(skewed)).not.toBeNull();
    const future = sign({ sub: USER, sid: SESSION, iat: now + 300, exp: now + 900 });
    expect(tokens.verify(future)).toBeNull();
    expect(tokens.verify(future)).toBeNull();
  });
});
