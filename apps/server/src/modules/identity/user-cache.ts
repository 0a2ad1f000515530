/**
 * A short-lived cache of each user's public profile (tier, staff flag and credits among it), so authenticating a
 * request is not a query, and neither is `GET /api/users/me`.
 *
 * Every write to a user row is followed by `invalidate` (account.service.ts, sessions.service.ts, the operator helpers),
 * which drops the entry here and, through the bus, on every instance. The TTL bounds staleness if a message is ever
 * lost, or a row is changed behind the application's back (SQL by hand). A load that was under way while any
 * invalidation happened is returned to its callers but not kept, so a read that raced a write cannot keep the old
 * row for the TTL.
 */
import type { EventBus } from '../../events/bus.ts';
import type { PublicUser } from './view.ts';

const CHANNEL = 'identity.user-changed';
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

/** What the cache keeps of a user: the profile as clients see it. Frozen: every caller shares the same object. */
export type UserSnapshot = Readonly<PublicUser>;

export interface UserCache {
  get(userId: string): Promise<UserSnapshot | null>;
  /** The cached snapshot, without loading: undefined when it is not cached (or no longer fresh). */
  peek(userId: string): UserSnapshot | null | undefined;
  /** Drops the user's entry on every instance. Call after every change to the user's row has committed. */
  invalidate(userId: string): Promise<void>;
  close(): void;
}

export function createUserCache(bus: EventBus, load: (userId: string) => Promise<UserSnapshot | null>): UserCache {
  const entries = new Map<string, { value: UserSnapshot | null; until: number }>();
  /** Loads under way, shared by concurrent misses of one user (dropped when the user is invalidated). */
  const loading = new Map<string, Promise<UserSnapshot | null>>();
  let invalidations = 0;
  const drop = (id: string) => {
    invalidations++;
    entries.delete(id);
    loading.delete(id);
  };
  const unsubscribe = bus.subscribe(CHANNEL, (m) => {
    const id = (m as { id?: unknown }).id;
    if (typeof id === 'string') drop(id);
  });

  function startLoad(userId: string): Promise<UserSnapshot | null> {
    const seen = invalidations;
    const p = load(userId).then(
      (loaded) => {
        const value = loaded && Object.freeze({ ...loaded });
        if (loading.get(userId) === p) loading.delete(userId);
        if (seen === invalidations) {
          if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
          entries.set(userId, { value, until: Date.now() + TTL_MS });
        }
        return value;
      },
      (e: unknown) => {
        if (loading.get(userId) === p) loading.delete(userId);
        throw e;
      },
    );
    loading.set(userId, p);
    return p;
  }

  return {
    peek(userId) {
      const hit = entries.get(userId);
      return hit && hit.until > Date.now() ? hit.value : undefined;
    },
    async get(userId) {
      const hit = entries.get(userId);
      if (hit && hit.until > Date.now()) return hit.value;
      return loading.get(userId) ?? startLoad(userId);
    },
    async invalidate(userId) {
      drop(userId);
      await bus.publish(CHANNEL, { id: userId });
    },
    close: unsubscribe,
  };
}
