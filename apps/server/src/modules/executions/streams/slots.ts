/**
 * The spec's concurrent-stream limit per tier (free 5, pro 20, enterprise 100): every open SSE or WebSocket stream
 * holds one slot of its user's (or, anonymous, its IP's) window until it closes. Shared across instances when the
 * rate-limit store is Redis.
 */
import type { Principal } from '@gatehouse/policy';
import type { RateLimiter } from '../../../rate-limit/limiter.ts';
import { streamErrors } from './streams.errors.ts';

export interface StreamSlot {
  readonly limit: number | null;
  /** Slots left after this one was taken (null when unlimited). */
  readonly remaining: number | null;
  /** Idempotent. */
  release(): Promise<void>;
}

/** Takes a slot or throws the 429 (RATE_LIMITED) the contract prescribes. */
export async function takeStreamSlot(limiter: RateLimiter, principal: Principal | null, ip: string): Promise<StreamSlot> {
  const cat = limiter.limitFor('stream', principal);
  if (!cat || cat.limit === null) return { limit: null, remaining: null, release: async () => undefined };
  const key = limiter.categoryKey('stream', principal, ip);
  const release = await limiter.store.acquireSlot(key, cat.limit);
  if (!release) throw streamErrors.tooManyStreams(cat.limit);
  const inUse = await limiter.store.slotsInUse(key).catch(() => cat.limit ?? 0);
  let done = false;
  return {
    limit: cat.limit,
    remaining: Math.max(0, cat.limit - inUse),
    async release() {
      if (done) return;
      done = true;
      await release().catch(() => undefined);
    },
  };
}
