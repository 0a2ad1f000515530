/**
 * Bearer JWT or X-API-Key → principal, with no database query on the warm path: token verification is CPU only,
 * revocations are an in-memory set kept current through the bus, and the user snapshot is cached.
 */
import type { Principal } from '@gatehouse/policy';
import type { Credentials, PrincipalResolver, Resolution } from '../../http/pipeline.ts';
import type { Revocations } from './revocations.ts';
import type { AccessTokens } from './tokens.ts';
import type { UserCache, UserSnapshot } from './user-cache.ts';

/** The owner of a presented API key, or null; synchronous when the key is cached. */
export type ApiKeyAuthenticator = (key: string) => KeyOwner | null | Promise<KeyOwner | null>;
export interface KeyOwner {
  readonly userId: string;
  readonly keyId: string;
}

// Object literals rather than a spread of the extra fields: built on every request.
const tokenPrincipal = (u: UserSnapshot, sessionId: string): Principal => ({
  userId: u.id,
  tier: u.tier,
  isStaff: u.isStaff,
  credits: u.credits,
  via: 'jwt',
  sessionId,
});
const keyPrincipal = (u: UserSnapshot, apiKeyId: string): Principal => ({
  userId: u.id,
  tier: u.tier,
  isStaff: u.isStaff,
  credits: u.credits,
  via: 'apiKey',
  apiKeyId,
});

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * Resolves without a promise when everything is in memory (the warm path: token verification, revocations, the
 * API-key cache and the user cache); only a step that must load returns a promise, and the rest follows it.
 */
export function createPrincipalResolver(d: {
  tokens: AccessTokens;
  revocations: Revocations;
  userCache: UserCache;
  apiKeys: ApiKeyAuthenticator;
}): PrincipalResolver {
  /** The user's snapshot, then `then` on it: synchronously when it is cached. */
  function withUser(userId: string, then: (u: UserSnapshot) => Resolution | Promise<Resolution>): Resolution | Promise<Resolution> {
    const u = d.userCache.peek(userId);
    if (u === undefined) return d.userCache.get(userId).then((loaded) => (loaded ? then(loaded) : 'invalid'));
    return u ? then(u) : 'invalid';
  }

  function withKey(k: KeyOwner | null, fromToken: Principal | null): Resolution | Promise<Resolution> {
    if (!k) return 'invalid';
    if (fromToken) return fromToken.userId === k.userId ? fromToken : 'invalid';
    return withUser(k.userId, (u) => keyPrincipal(u, k.keyId));
  }

  /** After the Bearer token (if any) passed: the API key, if one was presented too. */
  function withApiKey(creds: Credentials, fromToken: Principal | null): Resolution | Promise<Resolution> {
    if (creds.apiKey === undefined) return fromToken;
    const k = creds.apiKey ? d.apiKeys(creds.apiKey) : null;
    return isPromise(k) ? k.then((owner) => withKey(owner, fromToken)) : withKey(k, fromToken);
  }

  return {
    // Presenting two credentials is ambiguous; both must be valid and name the same user.
    resolve(creds) {
      if (creds.bearer === undefined) {
        if (creds.apiKey === undefined) return null;
        // An API key alone, the other common case: no closure when the key and the user are cached.
        const k = creds.apiKey ? d.apiKeys(creds.apiKey) : null;
        if (k === null) return 'invalid';
        if (isPromise(k)) return k.then((owner) => withKey(owner, null));
        const u = d.userCache.peek(k.userId);
        if (u !== undefined) return u ? keyPrincipal(u, k.keyId) : 'invalid';
        return withKey(k, null);
      }
      const claims = creds.bearer ? d.tokens.verify(creds.bearer) : null;
      if (!claims || d.revocations.isRevoked(claims.sid)) return 'invalid';
      if (creds.apiKey === undefined) {
        // The common case, a Bearer token alone, without a closure.
        const u = d.userCache.peek(claims.sub);
        if (u !== undefined) return u ? tokenPrincipal(u, claims.sid) : 'invalid';
      }
      return withUser(claims.sub, (u) => withApiKey(creds, tokenPrincipal(u, claims.sid)));
    },
  };
}
