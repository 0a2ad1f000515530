/**
 * A short-lived cache of what a principal needs from the user row (tier, staff flag, credits), so authenticating a
 * request is not a query. Changes invalidate it through the bus on every instance; the TTL bounds staleness if a
 * message is ever lost.
 */
import type { Tier } from '@gatehouse/policy';
import type { EventBus } from '../../events/bus.ts';

const CHANNEL = 'identity.user-changed';
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

export interface UserSnapshot {
  readonly id: string;
  readonly tier: Tier;
  readonly isStaff: boolean;
  readonly credits: number;
}

export interface UserCache {
  get(userId: string): Promise<UserSnapshot | null>;
  /** The cached snapshot, without loading: undefined when it is not cached (or no longer fresh). */
  peek(userId: string): UserSnapshot | null | undefined;
  invalidate(userId: string): Promise<void>;
  close(): void;
}

export function createUserCache(bus: EventBus, load: (userId: string) => Promise<UserSnapshot | null>): UserCache {
  const entries = new Map<string, { value: UserSnapshot | null; until: number }>();
  const unsubscribe = bus.subscribe(CHANNEL, (m) => {
    const id = (m as { id?: unknown }).id;
    if (typeof id === 'string') entries.delete(id);
  });
  return {
    peek(userId) {
      const hit = entries.get(userId);
      return hit && hit.until > Date.now() ? hit.value : undefined;
    },
    async get(userId) {
      const hit = entries.get(userId);
      if (hit && hit.until > Date.now()) return hit.value;
      const value = await load(userId);
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(userId, { value, until: Date.now() + TTL_MS });
      return value;
    },
    async invalidate(userId) {
      entries.delete(userId);
      await bus.publish(CHANNEL, { id: userId });
    },
    close: unsubscribe,
  };
}
