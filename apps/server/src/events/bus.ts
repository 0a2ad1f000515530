/**
 * The event bus port: fire-and-forget messages between the parts of one instance, or between instances (session
 * revocations, cache invalidations, stream events). In-process adapter here, Redis pub/sub in redis-bus.ts.
 */
export type Listener = (message: unknown) => void;

export interface EventBus {
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns an unsubscribe function. Listeners must not throw; errors are swallowed to protect the publisher. */
  subscribe(channel: string, listener: Listener): () => void;
  /**
   * Resolves once every subscription made so far receives messages (a Redis SUBSCRIBE is a round trip; a message
   * published before it lands is lost), or with false after `timeoutMs` — the subscriptions keep being retried.
   */
  ready(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createMemoryBus(): EventBus {
  const channels = new Map<string, Set<Listener>>();
  return {
    async publish(channel, message) {
      for (const l of channels.get(channel) ?? []) {
        try {
          l(message);
        } catch {
          // A broken listener must not break the publisher or the other listeners.
        }
      }
    },
    subscribe(channel, listener) {
      const set = channels.get(channel) ?? new Set();
      channels.set(channel, set);
      set.add(listener);
      return () => void set.delete(listener);
    },
    async ready() {
      return true;
    },
    async close() {
      channels.clear();
    },
  };
}
