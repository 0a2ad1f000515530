import { RateLimiterMemory, RateLimiterRes, type RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateLimitStore, WindowState } from './store.ts';

export function stateOf(res: RateLimiterRes | null, limit: number, durationSeconds: number, allowed: boolean): WindowState {
  const now = Date.now();
  if (res === null) return { limit, used: 0, remaining: limit, resetAt: now + durationSeconds * 1000, allowed: true };
  const used = Math.min(res.consumedPoints, limit);
  return { limit, used, remaining: Math.max(0, limit - res.consumedPoints), resetAt: now + res.msBeforeNext, allowed };
}

/**
 * Creates one limiter per (limit, duration) pair on first use. Keys already carry the category, so two pairs never
 * share a counter by accident.
 */
export class LimiterPool<L extends RateLimiterMemory | RateLimiterRedis> {
  private readonly pool = new Map<string, L>();
  constructor(private readonly make: (points: number, duration: number, prefix: string) => L) {}
  get(limit: number, durationSeconds: number): L {
    const id = `${limit}/${durationSeconds}`;
    let l = this.pool.get(id);
    if (!l) {
      l = this.make(limit, durationSeconds, `rl:${id}`);
      this.pool.set(id, l);
    }
    return l;
  }
}

export async function consumeWith(
  limiter: { consume(key: string, points?: number): Promise<RateLimiterRes> },
  key: string,
  limit: number,
  durationSeconds: number,
): Promise<WindowState> {
  try {
    return stateOf(await limiter.consume(key), limit, durationSeconds, true);
  } catch (e) {
    if (e instanceof RateLimiterRes) return stateOf(e, limit, durationSeconds, false);
    throw e;
  }
}

export function createMemoryRateLimitStore(): RateLimitStore {
  const pool = new LimiterPool((points, duration, keyPrefix) => new RateLimiterMemory({ points, duration, keyPrefix }));
  const slots = new Map<string, number>();
  return {
    consume: (key, limit, durationSeconds) => consumeWith(pool.get(limit, durationSeconds), key, limit, durationSeconds),
    async peek(key, limit, durationSeconds) {
      return stateOf(await pool.get(limit, durationSeconds).get(key), limit, durationSeconds, true);
    },
    async acquireSlot(key, max) {
      const used = slots.get(key) ?? 0;
      if (used >= max) return null;
      slots.set(key, used + 1);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        const n = (slots.get(key) ?? 1) - 1;
        if (n <= 0) slots.delete(key);
        else slots.set(key, n);
      };
    },
    async slotsInUse(key) {
      return slots.get(key) ?? 0;
    },
    async close() {},
  };
}
