/**
 * Which sessions are dead, answered without a database query on every request.
 *
 * Every instance keeps the ids of sessions revoked within the last access-token lifetime in memory (older ones do
 * not matter: tokens.ts refuses any access token older than the current TTL, whatever its own `exp` says). Revoking
 * writes the database first, then publishes on the bus, so every instance — this one included — adds the id at once.
 * On start-up the set is loaded from the database.
 */
import type { EventBus } from '../../events/bus.ts';

const CHANNEL = 'identity.session-revoked';

export interface Revocations {
  isRevoked(sessionId: string): boolean;
  /** Marks sessions dead on every instance. The caller has already written `revoked_at`. */
  revoke(sessionIds: readonly string[]): Promise<void>;
  /** Seeds the set (start-up). */
  load(sessionIds: readonly string[]): void;
  close(): void;
}

export function createRevocations(bus: EventBus, accessTtlSeconds: number): Revocations {
  const dead = new Map<string, number>();
  const keepMs = (accessTtlSeconds + 60) * 1000;
  const add = (id: string) => dead.set(id, Date.now() + keepMs);
  const unsubscribe = bus.subscribe(CHANNEL, (m) => {
    const ids = (m as { ids?: unknown }).ids;
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') add(id);
  });
  // Forget entries whose access tokens can no longer be valid, so the set stays small.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, until] of dead) if (until < now) dead.delete(id);
  }, 60_000);
  sweep.unref();
  return {
    isRevoked: (id) => dead.has(id),
    async revoke(ids) {
      if (ids.length === 0) return;
      for (const id of ids) add(id);
      await bus.publish(CHANNEL, { ids });
    },
    load(ids) {
      for (const id of ids) add(id);
    },
    close() {
      clearInterval(sweep);
      unsubscribe();
    },
  };
}
