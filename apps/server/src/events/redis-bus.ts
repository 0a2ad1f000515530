import type { Redis } from 'ioredis';
import type { EventBus, Listener } from './bus.ts';

/**
 * Redis pub/sub: every instance (including the publisher) receives every message, so local state such as the
 * revocation cache is updated the same way everywhere. Subscribing needs its own connection.
 */
export function createRedisBus(pub: Redis, prefix = 'gh:bus:'): EventBus {
  // A SUBSCRIBE sent while ioredis is still in its connection handshake puts the connection in subscriber mode before
  // the handshake's own INFO (ready check) and CLIENT SETINFO, which Redis then refuses: the ready check fails, and the
  // subscriptions made meanwhile are silently lost (a deaf instance; ioredis issue #2037). A subscriber connection needs
  // neither, so it does without them.
  const sub = pub.duplicate({ enableReadyCheck: false, disableClientInfo: true });
  sub.on('error', () => undefined);
  const listeners = new Map<string, Set<Listener>>();
  /** Subscriptions not yet confirmed by Redis; `ready()` waits for them. */
  const pending = new Set<Promise<void>>();
  let closed = false;

  /**
   * SUBSCRIBE can fail (the connection is still coming up, a command timed out under load); an instance whose
   * subscription failed would be deaf to the bus for good — revocations, stream events — so it is retried until it
   * holds. Once subscribed, ioredis re-subscribes by itself after a reconnect. Resolves once subscribed, or once
   * nobody wants the channel any more.
   */
  const subscribeChannel = async (channel: string): Promise<void> => {
    for (let delayMs = 100; !closed && listeners.has(channel); delayMs = Math.min(delayMs * 2, 5_000)) {
      try {
        await sub.subscribe(prefix + channel);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      }
    }
  };

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
        const p = subscribeChannel(channel).finally(() => pending.delete(p));
        pending.add(p);
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
    async ready(timeoutMs = 5_000) {
      if (pending.size === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([Promise.all(pending).then(() => true), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closed = true;
      sub.disconnect();
    },
  };
}
