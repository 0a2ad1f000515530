/**
 * Bearer JWT or X-API-Key → principal, with no database query on the warm path: token verification is CPU only,
 * revocations are an in-memory set kept current through the bus, and the user snapshot is cached.
 */
import type { Principal } from '@gatehouse/policy';
import type { PrincipalResolver } from '../../http/pipeline.ts';
import type { Revocations } from './revocations.ts';
import type { AccessTokens } from './tokens.ts';
import type { UserCache, UserSnapshot } from './user-cache.ts';

export type ApiKeyAuthenticator = (key: string) => Promise<{ userId: string; keyId: string } | null>;

const principalOf = (u: UserSnapshot, extra: Pick<Principal, 'via' | 'sessionId' | 'apiKeyId'>): Principal => ({
  userId: u.id,
  tier: u.tier,
  isStaff: u.isStaff,
  credits: u.credits,
  ...extra,
});

export function createPrincipalResolver(d: {
  tokens: AccessTokens;
  revocations: Revocations;
  userCache: UserCache;
  apiKeys: ApiKeyAuthenticator;
}): PrincipalResolver {
  return {
    async resolve(creds) {
      // Presenting two credentials is ambiguous; both must be valid and name the same user.
      let fromToken: Principal | null = null;
      if (creds.bearer !== undefined) {
        const claims = creds.bearer ? d.tokens.verify(creds.bearer) : null;
        if (!claims || d.revocations.isRevoked(claims.sid)) return 'invalid';
        const u = await d.userCache.get(claims.sub);
        if (!u) return 'invalid';
        fromToken = principalOf(u, { via: 'jwt', sessionId: claims.sid });
      }
      if (creds.apiKey !== undefined) {
        const k = creds.apiKey ? await d.apiKeys(creds.apiKey) : null;
        if (!k) return 'invalid';
        if (fromToken) return fromToken.userId === k.userId ? fromToken : 'invalid';
        const u = await d.userCache.get(k.userId);
        if (!u) return 'invalid';
        return principalOf(u, { via: 'apiKey', apiKeyId: k.keyId });
      }
      return fromToken;
    },
  };
}
