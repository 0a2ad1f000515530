/**
 * Applies the rate limits a route declares: its tier category (per principal, or per IP for anonymous callers) and
 * any endpoint limits (register's 5/hour per IP). The tightest window is the one reported in the headers.
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

export interface RateLimiter {
  readonly store: RateLimitStore;
  check(
    route: { readonly rateCategory: RateCategory; readonly limits?: readonly EndpointLimit[]; readonly id: string },
    principal: Principal | null,
    ip: string,
  ): Promise<RateCheck>;
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
  function limitFor(category: RateCategory, principal: Principal | null): CategoryLimit | null {
    if (category === 'none') return null;
    if (category === 'default') {
      return {
        limit: principal ? settings.defaultRatePerMinute[principal.tier] : settings.anonymousRatePerMinute,
        window: 'minute',
      };
    }
    const spec = SPEC_CATEGORIES[category];
    // Anonymous callers (register, login) get the free tier's allowance, counted per IP.
    return { limit: spec.limits[principal?.tier ?? 'free'], window: spec.window };
  }

  const categoryKey = (category: RateCategory, principal: Principal | null, ip: string) =>
    principal ? `c:${category}:u:${principal.userId}` : `c:${category}:ip:${ip}`;

  return {
    store,
    limitFor,
    categoryKey,
    async check(route, principal, ip) {
      let reported: WindowState | undefined;
      const cat = limitFor(route.rateCategory, principal);
      // Concurrent windows are slots taken by the stream itself, not per-request counters.
      if (cat && cat.limit !== null && cat.window !== 'concurrent') {
        const s = await store.consume(categoryKey(route.rateCategory, principal, ip), cat.limit, WINDOW_SECONDS[cat.window]);
        reported = tighter(reported, s);
      } else if (principal === null && isSpecCategory(route.rateCategory) && route.rateCategory === 'stream') {
        const s = await store.consume(`c:stream:ip:${ip}`, settings.anonymousRatePerMinute, 60);
        reported = tighter(reported, s);
      }
      for (const l of route.limits ?? []) {
        const who = l.by === 'ip' || principal === null ? `ip:${ip}` : `u:${principal.userId}`;
        const s = await store.consume(`e:${route.id}:${who}`, l.points, l.durationSeconds);
        reported = tighter(reported, s);
      }
      return { allowed: reported?.allowed ?? true, reported };
    },
  };
}
