import type { Redis } from 'ioredis';
import type { EventBus, Listener } from './bus.ts';

/**
 * Redis pub/sub: every instance (including the publisher) receives every message, so local state such as the
 * revocation cache is updated the same way everywhere. Subscribing needs its own connection.
 */
export function createRedisBus(pub: Redis, prefix = 'gh:bus:'): EventBus {
  const sub = pub.duplicate();
  sub.on('error', () => undefined);
  const listeners = new Map<string, Set<Listener>>();
  sub.on('message', (raw: string, payload: string) => {
    const set = listeners.get(raw.slice(prefix.length));
    if (!set) return;
    let message: unknown;
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    for (const l of set) {
      try {
        l(message);
      } catch {
        // see createMemoryBus
      }
    }
  });
  return {
    async publish(channel, message) {
      await pub.publish(prefix + channel, JSON.stringify(message));
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        void sub.subscribe(prefix + channel).catch(() => undefined);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) {
          listeners.delete(channel);
          void sub.unsubscribe(prefix + channel).catch(() => undefined);
        }
      };
    },
    async close() {
      sub.disconnect();
    },
  };
}
