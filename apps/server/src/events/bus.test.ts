import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../redis.ts';
import { waitFor } from '../testing/wait-for.ts';
import { createMemoryBus, type EventBus } from './bus.ts';
import { createRedisBus } from './redis-bus.ts';

function busContract(name: string, make: () => Promise<EventBus>) {
  describe(`${name} bus`, () => {
    it('delivers a message published after ready() to every listener of its channel and to no other', async () => {
      const bus = await make();
      const a: unknown[] = [];
      const b: unknown[] = [];
      const other: unknown[] = [];
      bus.subscribe('one', (m) => a.push(m));
      bus.subscribe('one', (m) => b.push(m));
      bus.subscribe('two', (m) => other.push(m));
      expect(await bus.ready()).toBe(true);
      await bus.publish('one', { n: 1 });
      await waitFor(() => (a.length && b.length ? true : undefined), 3_000, 'both listeners');
      expect(a).toEqual([{ n: 1 }]);
      expect(b).toEqual([{ n: 1 }]);
      expect(other).toEqual([]);
      await bus.close();
    });

    it('keeps delivering to the other listeners when one throws', async () => {
      const bus = await make();
      const seen: unknown[] = [];
      bus.subscribe('c', () => {
        throw new Error('broken listener');
      });
      bus.subscribe('c', (m) => seen.push(m));
      await bus.ready();
      await bus.publish('c', 'x');
      await waitFor(() => (seen.length ? true : undefined), 3_000, 'the healthy listener');
      expect(seen).toEqual(['x']);
      await bus.close();
    });

    it('stops delivering to a listener after it unsubscribes', async () => {
      const bus = await make();
      const gone: unknown[] = [];
      const kept: unknown[] = [];
      const off = bus.subscribe('u', (m) => gone.push(m));
      bus.subscribe('u', (m) => kept.push(m));
      await bus.ready();
      off();
      await bus.publish('u', 1);
      await waitFor(() => (kept.length ? true : undefined), 3_000, 'the remaining listener');
      expect(gone).toEqual([]);
      await bus.close();
    });
  });
}

busContract('memory', async () => createMemoryBus());

/** A stand-in for the publishing connection whose subscriber connection refuses SUBSCRIBE a given number of times. */
function flakySubscriber(failures: number) {
  const handlers: Array<(channel: string, payload: string) => void> = [];
  let attempts = 0;
  const sub = {
    on(event: string, h: (channel: string, payload: string) => void) {
      if (event === 'message') handlers.push(h);
      return sub;
    },
    async subscribe() {
      attempts += 1;
      if (attempts <= failures) throw new Error('Reached the max retries per request limit');
      return 1;
    },
    async unsubscribe() {
      return 0;
    },
    disconnect() {},
  };
  const pub = {
    duplicate: () => sub,
    async publish(channel: string, payload: string) {
      for (const h of handlers) h(channel, payload);
      return 1;
    },
  };
  return { pub: pub as unknown as Redis, attempts: () => attempts };
}

describe('Redis bus subscriptions', () => {
  it('retries a SUBSCRIBE that failed until it holds, and ready() waits for it', async () => {
    const flaky = flakySubscriber(2);
    const bus = createRedisBus(flaky.pub, 'p:');
    bus.subscribe('revocations', () => undefined);
    expect(await bus.ready(5_000)).toBe(true);
    expect(flaky.attempts()).toBe(3);
    await bus.close();
  });

  it('answers false from ready() when the subscription does not hold in time, and keeps retrying', async () => {
    const flaky = flakySubscriber(1_000);
    const bus = createRedisBus(flaky.pub, 'p:');
    bus.subscribe('revocations', () => undefined);
    expect(await bus.ready(250)).toBe(false);
    const seen = flaky.attempts();
    expect(seen).toBeGreaterThanOrEqual(2);
    await bus.close();
  });

  it('gives up retrying once nobody listens on the channel', async () => {
    const flaky = flakySubscriber(1_000);
    const bus = createRedisBus(flaky.pub, 'p:');
    const off = bus.subscribe('gone', () => undefined);
    off();
    expect(await bus.ready(1_000)).toBe(true);
    await bus.close();
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)('with Redis', () => {
  const prefix = `ghtest-${randomBytes(6).toString('hex')}:bus:`;
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis(redisUrl!);
  });
  afterAll(() => redis?.disconnect());

  busContract('Redis', async () => createRedisBus(redis, prefix));

  it('hears every channel subscribed while its connection is still being set up', async () => {
    // Subscriptions made on every tick of the connection's start-up, the handshake included: with ioredis's ready check
    // on the subscriber connection, some of them were lost without an error (the cause of a deaf instance).
    for (let round = 0; round < 5; round++) {
      const bus = createRedisBus(redis, `${prefix}startup-${round}:`);
      const heard = new Set<string>();
      const channels: string[] = [];
      for (let tick = 0; tick < 40; tick++) {
        const channel = `c${tick}`;
        channels.push(channel);
        bus.subscribe(channel, () => heard.add(channel));
        await new Promise((r) => setImmediate(r));
      }
      expect(await bus.ready()).toBe(true);
      for (const c of channels) await bus.publish(c, 1);
      await waitFor(() => (heard.size === channels.length ? true : undefined), 3_000, `all ${channels.length} channels (heard ${heard.size})`).catch(() => undefined);
      expect([...heard].sort()).toEqual([...channels].sort());
      await bus.close();
    }
  });

  it('delivers between two instances on the same Redis, the publisher included', async () => {
    const a = createRedisBus(redis, prefix);
    const b = createRedisBus(redis, prefix);
    const atA: unknown[] = [];
    const atB: unknown[] = [];
    a.subscribe('shared', (m) => atA.push(m));
    b.subscribe('shared', (m) => atB.push(m));
    expect(await a.ready()).toBe(true);
    expect(await b.ready()).toBe(true);
    await a.publish('shared', { revoked: 'session-1' });
    await waitFor(() => (atA.length && atB.length ? true : undefined), 3_000, 'both instances');
    expect(atB).toEqual([{ revoked: 'session-1' }]);
    await a.close();
    await b.close();
  });
});
