import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { createMemoryRateLimitStore } from './memory-store.ts';
import { createRedisRateLimitStore } from './redis-store.ts';
import type { RateLimitStore } from './store.ts';

/** Every test uses its own keys, so one store serves the whole suite (and a shared Redis never leaks state). */
let seq = 0;
const freshKey = (name: string) => `${name}-${++seq}-${randomBytes(4).toString('hex')}`;

/** The behaviour every RateLimitStore adapter must share. `make` is called once per suite. */
function storeContract(name: string, make: () => Promise<RateLimitStore>) {
  describe(`the ${name} rate-limit store`, () => {
    let store: RateLimitStore;
    beforeAll(async () => {
      store = await make();
    });
    afterAll(async () => store?.close());

    it('counts remaining down and reports the limit, the hits used and when the window resets', async () => {
      const key = freshKey('count');
      const before = Date.now();
      const first = await store.consume(key, 3, 60);
      expect(first).toMatchObject({ limit: 3, used: 1, remaining: 2, allowed: true });
      expect(first.resetAt).toBeGreaterThan(before);
      expect(first.resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
      const second = await store.consume(key, 3, 60);
      expect(second).toMatchObject({ limit: 3, used: 2, remaining: 1, allowed: true });
      // The window is fixed: a second hit does not push the reset further away.
      expect(second.resetAt).toBeLessThanOrEqual(first.resetAt + 50);
    });

    it('refuses the hit after the limit and reports nothing left', async () => {
      const key = freshKey('over');
      for (let i = 0; i < 3; i++) expect((await store.consume(key, 3, 60)).allowed).toBe(true);
      const over = await store.consume(key, 3, 60);
      expect(over).toMatchObject({ limit: 3, used: 3, remaining: 0, allowed: false });
      expect(over.resetAt).toBeGreaterThan(Date.now());
      expect((await store.consume(key, 3, 60)).allowed).toBe(false);
    });

    it('keeps separate keys independent', async () => {
      const a = freshKey('a');
      const b = freshKey('b');
      await store.consume(a, 2, 60);
      await store.consume(a, 2, 60);
      expect((await store.consume(a, 2, 60)).allowed).toBe(false);
      expect(await store.consume(b, 2, 60)).toMatchObject({ used: 1, remaining: 1, allowed: true });
    });

    it('does not share a counter between different limits or durations for the same key', async () => {
      const key = freshKey('pairs');
      await store.consume(key, 2, 60);
      await store.consume(key, 2, 60);
      expect((await store.consume(key, 2, 60)).allowed).toBe(false);
      expect(await store.consume(key, 5, 60)).toMatchObject({ limit: 5, used: 1, remaining: 4, allowed: true });
      expect(await store.consume(key, 2, 3600)).toMatchObject({ limit: 2, used: 1, remaining: 1, allowed: true });
    });

    it('peeks at a window without counting a hit', async () => {
      const key = freshKey('peek');
      expect(await store.peek(key, 4, 60)).toMatchObject({ limit: 4, used: 0, remaining: 4, allowed: true });
      expect(await store.peek(key, 4, 60)).toMatchObject({ used: 0, remaining: 4 });
      await store.consume(key, 4, 60);
      const seen = await store.peek(key, 4, 60);
      expect(seen).toMatchObject({ limit: 4, used: 1, remaining: 3 });
      expect(await store.peek(key, 4, 60)).toMatchObject({ used: 1, remaining: 3 });
      expect(await store.consume(key, 4, 60)).toMatchObject({ used: 2, remaining: 2 });
    });

    it('hands out at most max slots and frees one on release', async () => {
      const key = freshKey('slots');
      expect(await store.slotsInUse(key)).toBe(0);
      const first = await store.acquireSlot(key, 2);
      const second = await store.acquireSlot(key, 2);
      expect(first).toBeTypeOf('function');
      expect(second).toBeTypeOf('function');
      expect(await store.slotsInUse(key)).toBe(2);
      expect(await store.acquireSlot(key, 2)).toBeNull();
      await first!();
      expect(await store.slotsInUse(key)).toBe(1);
      const third = await store.acquireSlot(key, 2);
      expect(third).toBeTypeOf('function');
      expect(await store.acquireSlot(key, 2)).toBeNull();
      await second!();
      await third!();
      expect(await store.slotsInUse(key)).toBe(0);
    });

    it('treats a second release of the same slot as harmless', async () => {
      const key = freshKey('double');
      const a = await store.acquireSlot(key, 2);
      const b = await store.acquireSlot(key, 2);
      await a!();
      await a!();
      // The double release must not free b's slot.
      expect(await store.slotsInUse(key)).toBe(1);
      expect(await store.acquireSlot(key, 2)).toBeTypeOf('function');
      expect(await store.acquireSlot(key, 2)).toBeNull();
      await b!();
    });

    it('counts slots per key', async () => {
      const a = freshKey('slot-a');
      const b = freshKey('slot-b');
      const held = await store.acquireSlot(a, 1);
      expect(await store.acquireSlot(a, 1)).toBeNull();
      const other = await store.acquireSlot(b, 1);
      expect(other).toBeTypeOf('function');
      expect(await store.slotsInUse(a)).toBe(1);
      expect(await store.slotsInUse(b)).toBe(1);
      await held!();
      await other!();
    });
  });
}

storeContract('memory', async () => createMemoryRateLimitStore());

describe('the memory store, synchronously', () => {
  it('counts the same windows through consumeNow as through consume, and starts a new window once one ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const store = createMemoryRateLimitStore();
      const key = freshKey('now');
      expect(store.consumeNow!(key, 2, 60)).toMatchObject({ used: 1, remaining: 1, allowed: true });
      expect(await store.consume(key, 2, 60)).toMatchObject({ used: 2, remaining: 0, allowed: true });
      const over = store.consumeNow!(key, 2, 60);
      expect(over).toMatchObject({ used: 2, remaining: 0, allowed: false });
      vi.advanceTimersByTime(59_000);
      expect(store.consumeNow!(key, 2, 60).allowed).toBe(false);
      vi.advanceTimersByTime(1_000);
      expect(store.consumeNow!(key, 2, 60)).toMatchObject({ used: 1, remaining: 1, allowed: true, resetAt: Date.now() + 60_000 });
      await store.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)('with Redis', () => {
  const prefix = `ghtest-${randomBytes(6).toString('hex')}`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(redisUrl!);
  });

  afterAll(async () => {
    if (!redis) return;
    // Remove every key this run wrote (counters and slot sets), then disconnect.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  });

  storeContract('Redis', async () => createRedisRateLimitStore(redis, prefix));

  it('shares counters between two stores on the same Redis (two instances)', async () => {
    const a = createRedisRateLimitStore(redis, prefix);
    const b = createRedisRateLimitStore(redis, prefix);
    const key = freshKey('shared');
    await a.consume(key, 2, 60);
    await b.consume(key, 2, 60);
    expect((await a.consume(key, 2, 60)).allowed).toBe(false);
    const slot = await a.acquireSlot(key, 1);
    expect(await b.acquireSlot(key, 1)).toBeNull();
    expect(await b.slotsInUse(key)).toBe(1);
    await slot!();
  });

  it('keeps a held slot alive past the set\'s expiry by refreshing it on every heartbeat', async () => {
    // Only intervals are faked: ioredis keeps its real timers and sockets.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const store = createRedisRateLimitStore(redis, prefix);
      const key = freshKey('beat');
      const release = await store.acquireSlot(key, 1);
      expect(release).toBeTypeOf('function');
      // As if the stream had been open for minutes with no other acquire refreshing the set's expiry.
      await redis.pexpire(`${prefix}:slots:${key}`, 1_000);
      await vi.advanceTimersByTimeAsync(30_000);
      await redis.ping(); // the heartbeat's commands were sent first on this connection
      expect(await redis.pttl(`${prefix}:slots:${key}`)).toBeGreaterThan(60_000);
      expect(await store.slotsInUse(key)).toBe(1);
      await release!();
      expect(await store.slotsInUse(key)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  describe('when Redis is unreachable', () => {
    let down: Redis;
    beforeAll(() => {
      // Nothing listens on loopback port 1; never retry, never queue, fail every command at once.
      down = new Redis({
        host: '127.0.0.1',
        port: 1,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      down.on('error', () => undefined);
    });
    afterAll(() => down?.disconnect());

    it('keeps limiting through the in-memory insurance limiter instead of throwing', async () => {
      const store = createRedisRateLimitStore(down, prefix);
      const key = freshKey('down');
      expect(await store.consume(key, 2, 60)).toMatchObject({ limit: 2, used: 1, remaining: 1, allowed: true });
      expect(await store.consume(key, 2, 60)).toMatchObject({ used: 2, remaining: 0, allowed: true });
      const over = await store.consume(key, 2, 60);
      expect(over).toMatchObject({ limit: 2, remaining: 0, allowed: false });
      expect(over.resetAt).toBeGreaterThan(Date.now());
      expect(await store.peek(key, 2, 60)).toMatchObject({ used: 2, remaining: 0 });
    });
  });
});
