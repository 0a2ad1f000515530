import type { RateLimitStore, WindowState } from './store.ts';

/** How often expired windows are dropped from memory. */
const SWEEP_MS = 60_000;

/**
 * Fixed windows in this process's memory, counted synchronously, so the request path needs no promise for them
 * (`consumeNow`). The counting is rate-limiter-flexible's (the Redis store and its in-memory insurance limiter use
 * it): a window opens at a key's first hit and lasts `durationSeconds`, every hit counts (refused ones too, so a
 * client that keeps hammering stays refused until the window ends), and one (limit, duration) pair never shares a
 * counter with another for the same key. Unlike RateLimiterMemory it keeps no timer per key: expired windows are
 * replaced on their next hit and swept once a minute.
 */
function createFixedWindows() {
  // By duration, then limit, then key: a pair's windows never meet another pair's, and no composite key string is
  // built (and hashed) per hit.
  const windows = new Map<number, Map<number, Map<string, { hits: number; readonly endsAt: number }>>>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const byLimit of windows.values()) {
      for (const [limit, byKey] of byLimit) {
        for (const [k, w] of byKey) if (w.endsAt <= now) byKey.delete(k);
        if (byKey.size === 0) byLimit.delete(limit);
      }
    }
  }, SWEEP_MS);
  sweep.unref();
  const windowsOf = (limit: number, durationSeconds: number) => {
    let byLimit = windows.get(durationSeconds);
    if (byLimit === undefined) windows.set(durationSeconds, (byLimit = new Map()));
    let byKey = byLimit.get(limit);
    if (byKey === undefined) byLimit.set(limit, (byKey = new Map()));
    return byKey;
  };
  return {
    consume(key: string, limit: number, durationSeconds: number): WindowState {
      const byKey = windowsOf(limit, durationSeconds);
      const now = Date.now();
      let w = byKey.get(key);
      if (w === undefined || w.endsAt <= now) {
        w = { hits: 0, endsAt: now + durationSeconds * 1000 };
        byKey.set(key, w);
      }
      const hits = ++w.hits;
      return { limit, used: Math.min(hits, limit), remaining: Math.max(0, limit - hits), resetAt: w.endsAt, allowed: hits <= limit };
    },
    peek(key: string, limit: number, durationSeconds: number): WindowState {
      const now = Date.now();
      const w = windows.get(durationSeconds)?.get(limit)?.get(key);
      if (w === undefined || w.endsAt <= now) return { limit, used: 0, remaining: limit, resetAt: now + durationSeconds * 1000, allowed: true };
      return { limit, used: Math.min(w.hits, limit), remaining: Math.max(0, limit - w.hits), resetAt: w.endsAt, allowed: true };
    },
    close: () => clearInterval(sweep),
  };
}

export function createMemoryRateLimitStore(): RateLimitStore {
  const counters = createFixedWindows();
  const slots = new Map<string, number>();
  return {
    consumeNow: counters.consume,
    consume: async (key, limit, durationSeconds) => counters.consume(key, limit, durationSeconds),
    peek: async (key, limit, durationSeconds) => counters.peek(key, limit, durationSeconds),
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
    async close() {
      counters.close();
    },
  };
}
