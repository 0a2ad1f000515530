import { describe, expect, it } from 'vitest';
import type { Principal, Tier } from '@gatehouse/policy';
import type { EndpointLimit } from '../http/route.ts';
import type { RateCategory } from './categories.ts';
import { createRateLimiter, type RateLimitSettings } from './limiter.ts';
import { createMemoryRateLimitStore } from './memory-store.ts';

const settings: RateLimitSettings = { anonymousRatePerMinute: 7, defaultRatePerMinute: { free: 11, pro: 22, enterprise: 33 } };

const principal = (tier: Tier, n = 1): Principal => ({
  userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  tier,
  isStaff: false,
  credits: 0,
  via: 'jwt',
});
const free = principal('free', 1);
const pro = principal('pro', 2);
const enterprise = principal('enterprise', 3);

const route = (rateCategory: RateCategory, limits?: EndpointLimit[]) => ({
  rateCategory,
  id: `GET /t/${rateCategory}${limits ? '/limited' : ''}`,
  ...(limits ? { limits } : {}),
});

/** A fresh limiter on a fresh memory store, so tests never share counters. */
const fresh = () => createRateLimiter(createMemoryRateLimitStore(), settings);

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

describe('the rate limiter', () => {
  it('limits anonymous callers with the free tier allowance, counted per IP', async () => {
    const limiter = fresh();
    expect(limiter.limitFor('auth', null)).toEqual({ limit: 10, window: 'minute' });
    for (let i = 0; i < 10; i++) {
      const r = await limiter.check(route('auth'), null, '10.0.0.1');
      expect(r.allowed).toBe(true);
      expect(r.reported).toMatchObject({ limit: 10, remaining: 9 - i });
    }
    const over = await limiter.check(route('auth'), null, '10.0.0.1');
    expect(over.allowed).toBe(false);
    expect(over.reported).toMatchObject({ limit: 10, remaining: 0, allowed: false });
    // Another IP, and a signed-in user on the same IP, have their own counters.
    expect((await limiter.check(route('auth'), null, '10.0.0.2')).reported).toMatchObject({ remaining: 9 });
    expect((await limiter.check(route('auth'), free, '10.0.0.1')).reported).toMatchObject({ remaining: 9 });
  });

  it('counts a principal per user, whatever IP the requests come from', async () => {
    const limiter = fresh();
    for (let i = 0; i < 5; i++) expect((await limiter.check(route('execute'), free, `10.0.1.${i}`)).allowed).toBe(true);
    const over = await limiter.check(route('execute'), free, '10.0.1.99');
    expect(over.allowed).toBe(false);
    expect(limiter.categoryKey('execute', free, '10.0.1.99')).toBe(`c:execute:u:${free.userId}`);
    expect(limiter.categoryKey('execute', null, '10.0.1.99')).toBe('c:execute:ip:10.0.1.99');
  });

  it("selects execute's per-minute limit from the principal's tier: 5, 50 and 200", async () => {
    const limiter = fresh();
    for (const [p, limit] of [[free, 5], [pro, 50], [enterprise, 200]] as const) {
      const before = Date.now();
      const r = await limiter.check(route('execute'), p, '10.0.2.1');
      expect(r.allowed).toBe(true);
      expect(r.reported).toMatchObject({ limit, used: 1, remaining: limit - 1 });
      expect(r.reported!.resetAt).toBeGreaterThan(before);
      expect(r.reported!.resetAt).toBeLessThanOrEqual(Date.now() + MINUTE_MS);
    }
    for (let i = 1; i < 5; i++) await limiter.check(route('execute'), free, '10.0.2.1');
    expect((await limiter.check(route('execute'), free, '10.0.2.1')).allowed).toBe(false);
    expect((await limiter.check(route('execute'), pro, '10.0.2.1')).allowed).toBe(true);
  });

  it('counts AI generation per day', async () => {
    const limiter = fresh();
    expect(limiter.limitFor('aiGeneration', pro)).toEqual({ limit: 100, window: 'day' });
    const r = await limiter.check(route('aiGeneration'), pro, '10.0.3.1');
    expect(r.reported).toMatchObject({ limit: 100, remaining: 99 });
    expect(r.reported!.resetAt).toBeGreaterThan(Date.now() + DAY_MS - MINUTE_MS);
    expect(r.reported!.resetAt).toBeLessThanOrEqual(Date.now() + DAY_MS);
  });

  it('leaves enterprise compile unlimited and reports no window for it', async () => {
    const limiter = fresh();
    expect(limiter.limitFor('compile', enterprise)).toEqual({ limit: null, window: 'minute' });
    for (let i = 0; i < 150; i++) {
      const r = await limiter.check(route('compile'), enterprise, '10.0.4.1');
      expect(r).toEqual({ allowed: true, reported: undefined });
    }
    expect((await limiter.check(route('compile'), pro, '10.0.4.1')).reported).toMatchObject({ limit: 100 });
  });

  it('takes the default category limits from the settings', async () => {
    const limiter = fresh();
    expect(limiter.limitFor('default', null)).toEqual({ limit: 7, window: 'minute' });
    for (const [p, limit] of [[null, 7], [free, 11], [pro, 22], [enterprise, 33]] as const) {
      const r = await limiter.check(route('default'), p, '10.0.5.1');
      expect(r.reported).toMatchObject({ limit, remaining: limit - 1 });
    }
    for (let i = 1; i < 7; i++) await limiter.check(route('default'), null, '10.0.5.1');
    expect((await limiter.check(route('default'), null, '10.0.5.1')).allowed).toBe(false);
  });

  it("neither counts nor reports anything for the 'none' category", async () => {
    const limiter = fresh();
    expect(limiter.limitFor('none', null)).toBeNull();
    expect(limiter.limitFor('none', pro)).toBeNull();
    for (let i = 0; i < 100; i++) {
      expect(await limiter.check(route('none'), null, '10.0.6.1')).toEqual({ allowed: true, reported: undefined });
    }
  });

  it('applies an endpoint limit by IP to every caller from that IP and reports the tighter window', async () => {
    const limiter = fresh();
    const limited = route('auth', [{ points: 3, durationSeconds: 3600, by: 'ip', label: '3/hour' }]);
    const first = await limiter.check(limited, null, '10.0.7.1');
    // auth allows 10/min; the endpoint's 3/hour has less room, so it is the one reported.
    expect(first.reported).toMatchObject({ limit: 3, remaining: 2, allowed: true });
    expect(first.reported!.resetAt).toBeGreaterThan(Date.now() + MINUTE_MS);
    expect((await limiter.check(limited, free, '10.0.7.1')).reported).toMatchObject({ limit: 3, remaining: 1 });
    expect((await limiter.check(limited, pro, '10.0.7.1')).reported).toMatchObject({ limit: 3, remaining: 0, allowed: true });
    // Each caller still has room in its own auth window, but the IP's endpoint window is spent.
    const refused = await limiter.check(limited, enterprise, '10.0.7.1');
    expect(refused.allowed).toBe(false);
    expect(refused.reported).toMatchObject({ limit: 3, remaining: 0, allowed: false });
    expect((await limiter.check(limited, enterprise, '10.0.7.2')).allowed).toBe(true);
  });

  it('reports the category window when it is tighter than the endpoint limit', async () => {
    const limiter = fresh();
    const limited = route('execute', [{ points: 100, durationSeconds: 3600, by: 'ip', label: '100/hour' }]);
    for (let i = 0; i < 5; i++) {
      expect((await limiter.check(limited, free, '10.0.8.1')).reported).toMatchObject({ limit: 5, remaining: 4 - i });
    }
    const refused = await limiter.check(limited, free, '10.0.8.1');
    expect(refused.allowed).toBe(false);
    expect(refused.reported).toMatchObject({ limit: 5, allowed: false });
  });

  it('counts an endpoint limit by principal per user, and per IP for anonymous callers', async () => {
    const limiter = fresh();
    const limited = route('default', [{ points: 1, durationSeconds: 60, by: 'principal', label: '1/min' }]);
    expect((await limiter.check(limited, free, '10.0.9.1')).allowed).toBe(true);
    expect((await limiter.check(limited, free, '10.0.9.2')).allowed).toBe(false);
    expect((await limiter.check(limited, pro, '10.0.9.1')).allowed).toBe(true);
    expect((await limiter.check(limited, null, '10.0.9.1')).allowed).toBe(true);
    expect((await limiter.check(limited, null, '10.0.9.1')).allowed).toBe(false);
  });

  it('counts no per-request window for signed-in stream callers (their limit is concurrent slots)', async () => {
    const limiter = fresh();
    expect(limiter.limitFor('stream', pro)).toEqual({ limit: 20, window: 'concurrent' });
    for (let i = 0; i < 30; i++) {
      expect(await limiter.check(route('stream'), pro, '10.0.10.1')).toEqual({ allowed: true, reported: undefined });
    }
    expect(await limiter.store.peek(limiter.categoryKey('stream', pro, '10.0.10.1'), 20, 60)).toMatchObject({ used: 0 });
    expect(await limiter.store.slotsInUse(limiter.categoryKey('stream', pro, '10.0.10.1'))).toBe(0);
  });

  it('limits anonymous stream requests per IP at the anonymous rate', async () => {
    const limiter = fresh();
    for (let i = 0; i < 7; i++) {
      expect((await limiter.check(route('stream'), null, '10.0.11.1')).reported).toMatchObject({ limit: 7, remaining: 6 - i });
    }
    expect((await limiter.check(route('stream'), null, '10.0.11.1')).allowed).toBe(false);
    expect((await limiter.check(route('stream'), null, '10.0.11.2')).allowed).toBe(true);
  });

  it('counts an anonymous caller the body names in the category, at its tier, instead of per IP behind a ceiling', async () => {
    const limiter = fresh();
    const refresh = { ...route('auth'), callerCeiling: { points: 3, durationSeconds: 60 } };
    // Before the body is read: only the per-IP ceiling counts, not the per-IP auth window.
    for (let i = 0; i < 3; i++) expect((await limiter.check(refresh, null, '10.0.12.1')).reported).toMatchObject({ limit: 3, remaining: 2 - i });
    expect((await limiter.check(refresh, null, '10.0.12.1')).allowed).toBe(false);
    expect(await limiter.store.peek(limiter.categoryKey('auth', null, '10.0.12.1'), 10, 60)).toMatchObject({ used: 0 });
    // Once the body named the caller: the tier's allowance for that caller, wherever it calls from.
    for (let i = 0; i < 10; i++) expect((await limiter.checkCaller('auth', 'session:a', 'free')).allowed).toBe(true);
    expect((await limiter.checkCaller('auth', 'session:a', 'free')).allowed).toBe(false);
    expect((await limiter.checkCaller('auth', 'session:b', 'pro')).reported).toMatchObject({ limit: 50, remaining: 49 });
    // A signed-in caller on such a route is counted per user as usual.
    expect((await limiter.check(refresh, free, '10.0.12.1')).reported).toMatchObject({ limit: 10, remaining: 9 });
  });

  it('counts failures only when told, and reports where a failure throttle stands without counting', async () => {
    const limiter = fresh();
    expect(await limiter.peekFailures('POST /login', 'email:x', 2, 900)).toMatchObject({ used: 0, remaining: 2 });
    await limiter.countFailure('POST /login', 'email:x', 2, 900);
    await limiter.countFailure('POST /login', 'email:x', 2, 900);
    expect(await limiter.peekFailures('POST /login', 'email:x', 2, 900)).toMatchObject({ used: 2, remaining: 0 });
    expect(await limiter.peekFailures('POST /login', 'email:y', 2, 900)).toMatchObject({ used: 0 });
  });

  it('answers synchronously from a memory store, counting the same windows as check', async () => {
    const limiter = fresh();
    const limited = route('auth', [{ points: 3, durationSeconds: 3600, by: 'ip', label: '3/hour' }]);
    const now = limiter.checkNow(limited, null, '10.0.13.1');
    expect(now).not.toBeInstanceOf(Promise);
    expect(now?.reported).toMatchObject({ limit: 3, remaining: 2, allowed: true });
    // One set of counters: check and checkNow take turns on the same windows.
    expect((await limiter.check(limited, null, '10.0.13.1')).reported).toMatchObject({ limit: 3, remaining: 1 });
    expect(limiter.checkNow(limited, null, '10.0.13.1')?.reported).toMatchObject({ limit: 3, remaining: 0, allowed: true });
    const refused = limiter.checkNow(limited, null, '10.0.13.1');
    expect(refused).toMatchObject({ allowed: false, reported: { limit: 3, remaining: 0, allowed: false } });
    expect(await limiter.store.peek(limiter.categoryKey('auth', null, '10.0.13.1'), 10, 60)).toMatchObject({ used: 4 });
    expect(limiter.checkNow(route('none'), pro, '10.0.13.1')).toEqual({ allowed: true, reported: undefined });
  });

  it('leaves a store that cannot answer synchronously to check, counting nothing', async () => {
    const memory = createMemoryRateLimitStore();
    const { consumeNow: _sync, ...asyncOnly } = memory;
    const limiter = createRateLimiter(asyncOnly, settings);
    expect(limiter.checkNow(route('default'), pro, '10.0.14.1')).toBeUndefined();
    expect(await memory.peek(limiter.categoryKey('default', pro, '10.0.14.1'), 22, 60)).toMatchObject({ used: 0 });
    expect((await limiter.check(route('default'), pro, '10.0.14.1')).reported).toMatchObject({ limit: 22, remaining: 21 });
  });
});
