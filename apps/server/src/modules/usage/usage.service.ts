/**
 * What the caller has used of each rate-limit category in the current windows, and their credit balance.
 */
import type { AuthedContext } from '../../http/context.ts';
import type { RateLimiter } from '../../rate-limit/limiter.ts';
import { SPEC_CATEGORIES, WINDOW_SECONDS, type RateCategory } from '../../rate-limit/categories.ts';

export interface CategoryUsage {
  category: RateCategory;
  label: string;
  window: 'minute' | 'day' | 'concurrent';
  limit: number | null;
  used: number;
  remaining: number | null;
  resetAt: string | null;
}

const CATEGORIES = [...(Object.keys(SPEC_CATEGORIES) as RateCategory[]), 'default' as const];

export function createUsageService(limiter: RateLimiter) {
  return {
    async usage(ctx: AuthedContext): Promise<{ tier: string; credits: number; categories: CategoryUsage[] }> {
      const p = ctx.principal;
      const categories = await Promise.all(
        CATEGORIES.map(async (category): Promise<CategoryUsage> => {
          const l = limiter.limitFor(category, p)!;
          const label = category === 'default' ? 'Everything else' : SPEC_CATEGORIES[category as keyof typeof SPEC_CATEGORIES].label;
          const key = limiter.categoryKey(category, p, ctx.ip);
          if (l.window === 'concurrent') {
            const used = await limiter.store.slotsInUse(key);
            return { category, label, window: l.window, limit: l.limit, used, remaining: l.limit === null ? null : Math.max(0, l.limit - used), resetAt: null };
          }
          if (l.limit === null) return { category, label, window: l.window, limit: null, used: 0, remaining: null, resetAt: null };
          const s = await limiter.store.peek(key, l.limit, WINDOW_SECONDS[l.window]);
          return { category, label, window: l.window, limit: l.limit, used: s.used, remaining: s.remaining, resetAt: new Date(s.resetAt).toISOString() };
        }),
      );
      return { tier: p.tier, credits: p.credits, categories };
    },
  };
}
