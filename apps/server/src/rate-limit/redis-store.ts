import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitStore, WindowState } from './store.ts';

/** How long a stream slot lives without a heartbeat: a crashed instance's slots free themselves after this. */
const SLOT_TTL_MS = 90_000;
const SLOT_HEARTBEAT_MS = 30_000;

// Atomically: drop expired holders, count, and add this holder only if under the limit.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

function stateOf(res: RateLimiterRes | null, limit: number, durationSeconds: number, allowed: boolean): WindowState {
  const now = Date.now();
  if (res === null) return { limit, used: 0, remaining: limit, resetAt: now + durationSeconds * 1000, allowed: true };
  const used = Math.min(res.consumedPoints, limit);
  return { limit, used, remaining: Math.max(0, limit - res.consumedPoints), resetAt: now + res.msBeforeNext, allowed };
}

/**
 * Creates one limiter per (limit, duration) pair on first use. Keys already carry the category, so two pairs never
 * share a counter by accident.
 */
class LimiterPool<L extends RateLimiterMemory | RateLimiterRedis> {
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

async function consumeWith(
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

/**
 * Counters shared by every instance. Each limiter carries an in-memory insurance limiter, so when Redis is down
 * requests keep being limited per instance instead of failing open or answering 5xx.
 */
export function createRedisRateLimitStore(redis: Redis, prefix = 'gh'): RateLimitStore {
  const pool = new LimiterPool(
    (points, duration, keyPrefix) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:${keyPrefix}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration, keyPrefix }),
      }),
  );
  const slotKey = (key: string) => `${prefix}:slots:${key}`;
  return {
    consume: (key, limit, durationSeconds) => consumeWith(pool.get(limit, durationSeconds), key, limit, durationSeconds),
    async peek(key, limit, durationSeconds) {
      return stateOf(await pool.get(limit, durationSeconds).get(key), limit, durationSeconds, true);
    },
    async acquireSlot(key, max) {
      const member = randomUUID();
      const now = Date.now();
      const ok = await redis.eval(ACQUIRE, 1, slotKey(key), now, now + SLOT_TTL_MS, max, member, SLOT_TTL_MS * 2);
      if (ok !== 1) return null;
      // Refresh the set's expiry too: otherwise a stream held longer than its PEXPIRE (with no other acquire on the
      // key) loses its slot record and the concurrent limit undercounts.
      const beat = setInterval(() => {
        redis
          .multi()
          .zadd(slotKey(key), 'XX', Date.now() + SLOT_TTL_MS, member)
          .pexpire(slotKey(key), SLOT_TTL_MS * 2)
          .exec()
          .catch(() => undefined);
      }, SLOT_HEARTBEAT_MS);
      beat.unref();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        clearInterval(beat);
        await redis.zrem(slotKey(key), member);
      };
    },
    async slotsInUse(key) {
      await redis.zremrangebyscore(slotKey(key), '-inf', Date.now());
      return redis.zcard(slotKey(key));
    },
    async close() {},
  };
}
