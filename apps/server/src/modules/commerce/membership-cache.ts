/**
 * The spec's "Permission Caching" enhancement: a caller's memberships and a store's organization, kept in memory so a
 * commerce request usually needs no query before its own. Every change that moves a role (members, staff, customer
 * links, deleting or restoring an organization or a store) publishes an invalidation on the bus, so every instance
 * forgets at once; the TTL bounds staleness should a message ever be lost.
 *
 * A load that raced with an invalidation (it read the database before the change committed and would finish after)
 * is not cached: each entry remembers the generation it started in, and any invalidation bumps the generation.
 */
import type { Membership } from '@gatehouse/policy';
import type { EventBus } from '../../events/bus.ts';

export const MEMBERSHIPS_CHANGED = 'commerce.memberships-changed';
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

/** `{ userIds }` forgets those users; `{ all: true }` forgets everything (a store or organization changed). */
export type MembershipChange = { readonly userIds: readonly string[] } | { readonly all: true };

interface Entry<T> {
  readonly value: T;
  readonly until: number;
}

export interface MembershipCache {
  memberships(userId: string, load: () => Promise<Membership[]>): Promise<Membership[]>;
  store(storeId: string, load: () => Promise<{ id: string; organizationId: string } | null>): Promise<{ id: string; organizationId: string } | null>;
  /** Forgets locally and tells every other instance. Call after the change committed. */
  changed(change: MembershipChange): Promise<void>;
  close(): void;
}

export function createMembershipCache(bus: EventBus): MembershipCache {
  const users = new Map<string, Entry<Membership[]>>();
  const stores = new Map<string, Entry<{ id: string; organizationId: string }>>();
  let generation = 0;

  const forget = (m: MembershipChange) => {
    generation++;
    if ('all' in m) {
      users.clear();
      stores.clear();
    } else for (const id of m.userIds) users.delete(id);
  };
  const unsubscribe = bus.subscribe(MEMBERSHIPS_CHANGED, (m) => {
    const msg = m as Partial<{ userIds: unknown; all: unknown }>;
    if (msg.all === true) forget({ all: true });
    else if (Array.isArray(msg.userIds)) forget({ userIds: msg.userIds.filter((x): x is string => typeof x === 'string') });
  });

  async function cached<K, T>(map: Map<K, Entry<T>>, key: K, load: () => Promise<T | null>): Promise<T | null> {
    const hit = map.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const seen = generation;
    const value = await load();
    // Misses are not cached: a store created a moment ago must be found at once.
    if (value !== null && seen === generation) {
      if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as K);
      map.set(key, { value, until: Date.now() + TTL_MS });
    }
    return value;
  }

  return {
    memberships: async (userId, load) => (await cached(users, userId, load)) ?? [],
    store: (storeId, load) => cached(stores, storeId, load),
    async changed(change) {
      forget(change);
      await bus.publish(MEMBERSHIPS_CHANGED, change);
    },
    close: unsubscribe,
  };
}
