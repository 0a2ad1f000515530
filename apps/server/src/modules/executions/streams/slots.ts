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
  /** Idempotent. */
  release(): Promise<void>;
}

/** Takes a slot or throws the 429 (RATE_LIMITED) the contract prescribes. */
export async function takeStreamSlot(limiter: RateLimiter, principal: Principal | null, ip: string): Promise<StreamSlot> {
  const cat = limiter.limitFor('stream', principal);
  if (!cat || cat.limit === null) return { limit: null, release: async () => undefined };
  const release = await limiter.store.acquireSlot(limiter.categoryKey('stream', principal, ip), cat.limit);
  if (!release) throw streamErrors.tooManyStreams(cat.limit);
  let done = false;
  return {
    limit: cat.limit,
    async release() {
      if (done) return;
      done = true;
      await release().catch(() => undefined);
    },
  };
}
