/**
 * API keys: create (secret shown once), list (never the secret), delete, rotate, and authenticate `X-API-Key`.
 *
 * Authentication is cached per key hash, so after the first request a key costs a hash and a Map lookup, like a
 * JWT. Delete and rotate evict the key on every instance through the bus before they return.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import { AppError } from '../../http/errors.ts';
import type { EventBus } from '../../events/bus.ts';
import type { AuditService } from '../audit/index.ts';
import { sha256 } from '../identity/index.ts';
import {
  countActiveKeys,
  deleteOwnedKey,
  findKeyById,
  findKeyByPrefix,
  insertKey,
  listKeys,
  lockUserKeys,
  replaceOwnedKeySecret,
  touchKey,
  type ApiKeyRow,
} from './api-keys.repo.ts';
import { hashMatches, newApiKey, prefixOf } from './key-format.ts';

const CHANNEL = 'api-keys.revoked';
const CACHE_TTL_MS = 60_000;
const LAST_USED_EVERY_MS = 60_000;
/**
 * Active (unexpired) keys a user may hold. Every key is a credential to audit and revoke; an account with thousands is
 * a leak waiting to happen or a script gone wrong, and each one costs a row and a cache entry.
 */
export const MAX_ACTIVE_KEYS_PER_USER = 100;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export const toView = (k: ApiKeyRow): ApiKeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  expiresAt: k.expiresAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

const notFound = () => new AppError('not_found', 'API_KEY_NOT_FOUND', 'API key not found');
const tooMany = (max: number) =>
  new AppError('conflict', 'API_KEY_LIMIT_REACHED', `You already have ${max} active API keys; delete one before creating another`, { limit: max });

export interface KeyOwner {
  readonly userId: string;
  readonly keyId: string;
}

interface Cached {
  readonly keyId: string;
  readonly userId: string;
  readonly expiresAt: number | null;
  readonly until: number;
}

export function createApiKeysService(d: { db: Db; bus: EventBus; audit: AuditService; maxActiveKeys?: number }) {
  const maxActive = d.maxActiveKeys ?? MAX_ACTIVE_KEYS_PER_USER;
  const cache = new Map<string, Cached>();
  const lastTouched = new Map<string, number>();
  // Bumped on every eviction: a lookup that raced with a delete or rotate must not re-cache the old key.
  let evictions = 0;
  const evict = (keyId: string) => {
    evictions++;
    for (const [h, c] of cache) if (c.keyId === keyId) cache.delete(h);
  };
  const unsubscribe = d.bus.subscribe(CHANNEL, (m) => {
    const id = (m as { keyId?: unknown }).keyId;
    if (typeof id === 'string') evict(id);
  });

  function touch(keyId: string): void {
    const now = Date.now();
    if ((lastTouched.get(keyId) ?? 0) + LAST_USED_EVERY_MS > now) return;
    lastTouched.set(keyId, now);
    // Off the request path: a missed lastUsedAt write is not worth failing a request for.
    touchKey(d.db, keyId, new Date(now)).catch(() => lastTouched.delete(keyId));
  }

  function admit(c: Cached, now: number): KeyOwner | null {
    if (c.expiresAt !== null && c.expiresAt <= now) return null;
    touch(c.keyId);
    return { userId: c.userId, keyId: c.keyId };
  }

  async function lookup(key: string, prefix: string, h: string, now: number): Promise<KeyOwner | null> {
    const seen = evictions;
    const row = await findKeyByPrefix(d.db, prefix);
    if (!row || !hashMatches(key, row.keyHash)) return null;
    const c: Cached = { keyId: row.id, userId: row.userId, expiresAt: row.expiresAt?.getTime() ?? null, until: now + CACHE_TTL_MS };
    if (seen === evictions) cache.set(h, c);
    return admit(c, now);
  }

  return {
    async create(ctx: AuthedContext, input: { name: string; expiresAt?: string | undefined }) {
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        throw new AppError('invalid', 'VALIDATION_FAILED', 'expiresAt must be in the future', [{ path: 'body.expiresAt', message: 'must be in the future' }]);
      }
      const { key, prefix, hash } = newApiKey();
      const row = await d.db.transaction(async (tx) => {
        await lockUserKeys(tx, ctx.principal.userId);
        if ((await countActiveKeys(tx, ctx.principal.userId, new Date())) >= maxActive) throw tooMany(maxActive);
        const r = await insertKey(tx, { id: randomUUID(), userId: ctx.principal.userId, name: input.name.trim(), prefix, keyHash: hash, expiresAt });
        await d.audit.record(tx, ctx, { action: 'api_key.create', outcome: 'success', targetType: 'api_key', targetId: r.id, details: { prefix } });
        return r;
      });
      return { ...toView(row), key };
    },

    async list(ctx: AuthedContext): Promise<ApiKeyView[]> {
      return (await listKeys(d.db, ctx.principal.userId)).map(toView);
    },

    /** For the `owner` access rule: the key's owner, or null. */
    async ownerOf(id: string): Promise<{ ownerId: string } | null> {
      const k = await findKeyById(d.db, id);
      return k ? { ownerId: k.userId } : null;
    },

    async remove(ctx: AuthedContext, id: string): Promise<void> {
      const row = await d.db.transaction(async (tx) => {
        const r = await deleteOwnedKey(tx, id, ctx.principal.userId);
        if (r) await d.audit.record(tx, ctx, { action: 'api_key.delete', outcome: 'success', targetType: 'api_key', targetId: id, details: { prefix: r.prefix } });
        return r;
      });
      if (!row) throw notFound();
      evict(id);
      await d.bus.publish(CHANNEL, { keyId: id });
    },

    async rotate(ctx: AuthedContext, id: string) {
      const { key, prefix, hash } = newApiKey();
      const row = await d.db.transaction(async (tx) => {
        const r = await replaceOwnedKeySecret(tx, id, ctx.principal.userId, { prefix, keyHash: hash });
        if (r) await d.audit.record(tx, ctx, { action: 'api_key.rotate', outcome: 'success', targetType: 'api_key', targetId: id, details: { prefix } });
        return r;
      });
      if (!row) throw notFound();
      evict(id);
      await d.bus.publish(CHANNEL, { keyId: id });
      return { ...toView(row), key };
    },

    /**
     * The owner of a presented key, or null for unknown, expired, deleted or rotated keys. Synchronous when the key is
     * cached (the request path then needs no promise); a promise when it must be looked up.
     */
    authenticate(key: string): KeyOwner | null | Promise<KeyOwner | null> {
      const h = sha256(key);
      const now = Date.now();
      const c = cache.get(h);
      if (c !== undefined && c.until > now) return admit(c, now);
      if (c !== undefined) cache.delete(h);
      // Garbage never reaches the database.
      const prefix = prefixOf(key);
      return prefix ? lookup(key, prefix, h, now) : null;
    },

    close: unsubscribe,
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
