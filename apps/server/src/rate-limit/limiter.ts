/**
 * Applies the rate limits a route declares: its tier category (per principal, or per IP for anonymous callers) and
 * any endpoint limits (register's 5/hour per IP). The tightest window is the one reported in the headers.
 *
 * Two refinements for anonymous routes whose body names the caller: the category counted per body-named caller
 * (refresh: per session family, behind a looser per-IP ceiling), and failure throttles (sign-in: failures per email).
 */
import type { Principal, Tier } from '@gatehouse/policy';
import type { EndpointLimit } from '../http/route.ts';
import { SPEC_CATEGORIES, WINDOW_SECONDS, isSpecCategory, type RateCategory, type Window } from './categories.ts';
import type { RateLimitStore, WindowState } from './store.ts';

export interface RateLimitSettings {
  readonly anonymousRatePerMinute: number;
  readonly defaultRatePerMinute: Readonly<Record<Tier, number>>;
}

export interface RateCheck {
  readonly allowed: boolean;
  /** The window to report in X-RateLimit-* headers (the one with the least room), if any applied. */
  readonly reported: WindowState | undefined;
}

export interface CategoryLimit {
  readonly limit: number | null;
  readonly window: Window;
}

export interface LimitedRoute {
  readonly rateCategory: RateCategory;
  readonly limits?: readonly EndpointLimit[];
  readonly id: string;
  /**
   * For anonymous callers, the category is counted later by `checkCaller` (a caller the body names), and this looser
   * per-IP ceiling is counted here instead.
   */
  readonly callerCeiling?: { readonly points: number; readonly durationSeconds: number };
}

export interface RateLimiter {
  readonly store: RateLimitStore;
  check(route: LimitedRoute, principal: Principal | null, ip: string): Promise<RateCheck>;
  /**
   * `check` answered synchronously when the store can (memory); undefined when it cannot (nothing counted then: call
   * `check`).
   */
  checkNow(route: LimitedRoute, principal: Principal | null, ip: string): RateCheck | undefined;
  /** Counts one call of a caller named by the body (e.g. a session family) in `category`, with `tier`'s allowance. */
  checkCaller(category: RateCategory, callerKey: string, tier: Tier): Promise<RateCheck>;
  /** Where a failure throttle stands for `key` (nothing counted). */
  peekFailures(routeId: string, key: string, points: number, durationSeconds: number): Promise<WindowState>;
  /** Counts one failure for `key`. */
  countFailure(routeId: string, key: string, points: number, durationSeconds: number): Promise<void>;
  /** The limit for a category and caller (null principal = anonymous, counted per IP). */
  limitFor(category: RateCategory, principal: Principal | null): CategoryLimit | null;
  categoryKey(category: RateCategory, principal: Principal | null, ip: string): string;
}

function tighter(a: WindowState | undefined, b: WindowState): WindowState {
  if (a === undefined) return b;
  if (!b.allowed && a.allowed) return b;
  if (!a.allowed && b.allowed) return a;
  return b.remaining < a.remaining ? b : a;
}

export function createRateLimiter(store: RateLimitStore, settings: RateLimitSettings): RateLimiter {
  /** The allowance of a tier (null: an anonymous caller, counted per IP). */
  function allowance(category: RateCategory, tier: Tier | null): CategoryLimit | null {
    if (category === 'none') return null;
    if (category === 'default') {
      return { limit: tier ? settings.defaultRatePerMinute[tier] : settings.anonymousRatePerMinute, window: 'minute' };
    }
    const spec = SPEC_CATEGORIES[category];
    // Anonymous callers (register, login) get the free tier's allowance, counted per IP.
    return { limit: spec.limits[tier ?? 'free'], window: spec.window };
  }
  // Settings do not change while the limiter lives: every answer is computed once, here (every request asks).
  const TIERS = ['free', 'pro', 'enterprise'] as const;
  const allowances = new Map<RateCategory, Readonly<Record<Tier | 'anonymous', CategoryLimit | null>>>();
  for (const category of ['default', 'none', ...Object.keys(SPEC_CATEGORIES)] as RateCategory[]) {
    const byTier = { anonymous: allowance(category, null) } as Record<Tier | 'anonymous', CategoryLimit | null>;
    for (const t of TIERS) byTier[t] = allowance(category, t);
    for (const a of Object.values(byTier)) if (a) Object.freeze(a);
    allowances.set(category, Object.freeze(byTier));
  }
  function limitForTier(category: RateCategory, tier: Tier | null): CategoryLimit | null {
    const byTier = allowances.get(category);
    return byTier ? byTier[tier ?? 'anonymous'] : allowance(category, tier);
  }
  const limitFor = (category: RateCategory, principal: Principal | null) => limitForTier(category, principal?.tier ?? null);

  const categoryKey = (category: RateCategory, principal: Principal | null, ip: string) =>
    principal ? `c:${category}:u:${principal.userId}` : `c:${category}:ip:${ip}`;

  /** The windows one call of `route` counts, tightest reported; the same for `check` and `checkNow`. */
  function windowsOf(route: LimitedRoute, principal: Principal | null, ip: string): Array<[key: string, limit: number, durationSeconds: number]> {
    const out: Array<[string, number, number]> = [];
    const cat = limitFor(route.rateCategory, principal);
    if (principal === null && route.callerCeiling) {
      const c = route.callerCeiling;
      out.push([`e:${route.id}:ceiling:ip:${ip}`, c.points, c.durationSeconds]);
    } else if (cat && cat.limit !== null && cat.window !== 'concurrent') {
      // Concurrent windows are slots taken by the stream itself, not per-request counters.
      out.push([categoryKey(route.rateCategory, principal, ip), cat.limit, WINDOW_SECONDS[cat.window]]);
    } else if (principal === null && isSpecCategory(route.rateCategory) && route.rateCategory === 'stream') {
      out.push([`c:stream:ip:${ip}`, settings.anonymousRatePerMinute, 60]);
    }
    for (const l of route.limits ?? []) {
      const who = l.by === 'ip' || principal === null ? `ip:${ip}` : `u:${principal.userId}`;
      out.push([`e:${route.id}:${who}`, l.points, l.durationSeconds]);
    }
    return out;
  }

  const NOTHING: RateCheck = Object.freeze({ allowed: true, reported: undefined });
  const consumeNow = store.consumeNow?.bind(store);

  return {
    store,
    limitFor,
    categoryKey,
    async check(route, principal, ip) {
      let reported: WindowState | undefined;
      for (const [key, limit, durationSeconds] of windowsOf(route, principal, ip)) {
        reported = tighter(reported, await store.consume(key, limit, durationSeconds));
      }
      return reported ? { allowed: reported.allowed, reported } : NOTHING;
    },
    checkNow(route, principal, ip) {
      if (!consumeNow) return undefined;
      let reported: WindowState | undefined;
      for (const [key, limit, durationSeconds] of windowsOf(route, principal, ip)) {
        reported = tighter(reported, consumeNow(key, limit, durationSeconds));
      }
      return reported ? { allowed: reported.allowed, reported } : NOTHING;
    },
    async checkCaller(category, callerKey, tier) {
      const l = limitForTier(category, tier);
      if (!l || l.limit === null || l.window === 'concurrent') return { allowed: true, reported: undefined };
      const s = await store.consume(`c:${category}:k:${callerKey}`, l.limit, WINDOW_SECONDS[l.window]);
      return { allowed: s.allowed, reported: s };
    },
    peekFailures: (routeId, key, points, durationSeconds) => store.peek(`f:${routeId}:${key}`, points, durationSeconds),
    async countFailure(routeId, key, points, durationSeconds) {
      await store.consume(`f:${routeId}:${key}`, points, durationSeconds);
    },
  };
}
