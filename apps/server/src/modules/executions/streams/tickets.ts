/**
 * Stream tickets (CONTRACT.md, "Principals"): a browser cannot put an Authorization header on an EventSource or a
 * WebSocket, and long-lived tokens never go in URLs, so it trades its credentials for a random ticket that opens one
 * stream within about a minute. Only the ticket's SHA-256 is kept, behind a small port: in memory for one process,
 * in Redis (GETDEL: redeemed exactly once across every instance) when scaled out.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Principal } from '@gatehouse/policy';

export const TICKET_TTL_MS = 60_000;
/** The memory adapter's bound: past it the oldest tickets (the first to expire anyway) are dropped. */
const MAX_MEMORY_TICKETS = 100_000;
const TICKET = /^st_[A-Za-z0-9_-]{43}$/;

/** What a ticket stands for: the user it was issued to, and until when. */
export interface TicketGrant {
  readonly userId: string;
  /** Unix milliseconds. */
  readonly expiresAt: number;
}

/** The port: keyed by the ticket's hash; `take` removes atomically, so a ticket is redeemed at most once. */
export interface TicketStore {
  put(hash: string, grant: TicketGrant, ttlMs: number): Promise<void>;
  take(hash: string): Promise<TicketGrant | null>;
  close(): Promise<void>;
}

export function createMemoryTicketStore(now: () => number = Date.now): TicketStore {
  const entries = new Map<string, TicketGrant>();
  const sweep = setInterval(() => {
    const t = now();
    for (const [k, g] of entries) if (g.expiresAt <= t) entries.delete(k);
  }, TICKET_TTL_MS);
  sweep.unref();
  return {
    async put(hash, grant) {
      if (entries.size >= MAX_MEMORY_TICKETS) entries.delete(entries.keys().next().value as string);
      entries.set(hash, grant);
    },
    async take(hash) {
      const g = entries.get(hash);
      if (!g) return null;
      entries.delete(hash);
      return g;
    },
    async close() {
      clearInterval(sweep);
      entries.clear();
    },
  };
}

export function createRedisTicketStore(redis: Redis, prefix: string): TicketStore {
  const key = (hash: string) => `${prefix}:ticket:${hash}`;
  return {
    async put(hash, grant, ttlMs) {
      await redis.set(key(hash), JSON.stringify(grant), 'PX', ttlMs);
    },
    async take(hash) {
      // GETDEL (Redis >= 6.2): of two instances redeeming the same ticket, exactly one gets it.
      const raw = await redis.getdel(key(hash));
      if (!raw) return null;
      try {
        const g = JSON.parse(raw) as Partial<TicketGrant>;
        return typeof g.userId === 'string' && typeof g.expiresAt === 'number' ? { userId: g.userId, expiresAt: g.expiresAt } : null;
      } catch {
        return null;
      }
    },
    async close() {},
  };
}

export interface StreamTickets {
  issue(principal: Principal): Promise<{ ticket: string; expiresAt: string }>;
  /** The grant, once: a second redemption, an unknown, malformed or expired ticket all give null. */
  redeem(ticket: string): Promise<TicketGrant | null>;
  close(): Promise<void>;
}

const hashOf = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

export function createStreamTickets(store: TicketStore, opts: { ttlMs?: number; now?: () => number } = {}): StreamTickets {
  const ttlMs = opts.ttlMs ?? TICKET_TTL_MS;
  const now = opts.now ?? Date.now;
  return {
    async issue(principal) {
      const ticket = `st_${randomBytes(32).toString('base64url')}`;
      const expiresAt = now() + ttlMs;
      await store.put(hashOf(ticket), { userId: principal.userId, expiresAt }, ttlMs);
      return { ticket, expiresAt: new Date(expiresAt).toISOString() };
    },
    async redeem(ticket) {
      if (!TICKET.test(ticket)) return null;
      const g = await store.take(hashOf(ticket));
      // The store's own expiry is coarse (the memory sweep runs once a minute): the grant's time decides.
      return g && g.expiresAt > now() ? g : null;
    },
    close: () => store.close(),
  };
}
