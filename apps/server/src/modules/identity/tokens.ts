/**
 * Access tokens: HS256 JWTs signed and verified with fast-jwt, configured strictly — one algorithm, required `exp`
 * and `iat`, checked `iss`, `aud` and `typ`. fast-jwt (like jose) accepts a wrong `aud`/`iss` or a missing `exp`
 * unless told not to, so each of those is pinned here and has a test.
 *
 * A token is also refused once it is older than the *current* access TTL, whatever its own `exp` says, and when its
 * `iat` lies in the future beyond a small clock skew. Revocations are remembered only for the current TTL (see
 * revocations.ts): without this, lowering ACCESS_TOKEN_TTL and restarting would bring back to life a logged-out token
 * issued under the old, longer TTL.
 *
 * Refresh tokens are opaque random strings; only their SHA-256 is stored.
 */
import { hash, randomBytes, randomUUID } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';

export const ACCESS_TYP = 'at+jwt';
/** How far in the future an `iat` may lie: clocks of several instances drift a little. Must stay below the 60 s
 * revocations keep beyond the TTL. */
export const CLOCK_SKEW_MS = 30_000;

export interface AccessClaims {
  readonly sub: string;
  readonly sid: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

export interface TokenSettings {
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTtlSeconds: number;
}

export interface AccessTokens {
  sign(userId: string, sessionId: string): string;
  /** Returns the claims, or null for any invalid token (the reason is not the caller's business). */
  verify(token: string): AccessClaims | null;
}

export function createAccessTokens(s: TokenSettings): AccessTokens {
  const signer = createSigner({
    key: s.secret,
    algorithm: 'HS256',
    iss: s.issuer,
    aud: s.audience,
    expiresIn: s.accessTtlSeconds * 1000,
    header: { alg: 'HS256', typ: ACCESS_TYP },
  });
  // No cache inside fast-jwt: its cache key is a SHA-512/256 hash of the token, ~3 µs, most of what a cache hit costs.
  // The cache below is keyed on the token string itself (the whole token, signature included).
  const verifier = createVerifier({
    key: s.secret,
    algorithms: ['HS256'],
    allowedIss: s.issuer,
    allowedAud: s.audience,
    requiredClaims: ['exp', 'iat', 'sub', 'sid', 'iss', 'aud'],
    checkTyp: ACCESS_TYP,
    // Counted from iat.
    maxAge: s.accessTtlSeconds * 1000,
  });
  const verified = createVerifiedCache(VERIFIED_CACHE_SIZE);
  return {
    sign: (userId, sessionId) => signer({ sub: userId, sid: sessionId, jti: randomUUID() }),
    verify(token) {
      const now = Date.now();
      let claims = verified.get(token, now);
      if (!claims) {
        // Only the compact form our signer writes (base64url, no padding): fast-jwt's base64 decoding skips stray
        // characters, so without this one token would have many accepted spellings.
        if (!COMPACT_JWT.test(token)) return null;
        try {
          const c = verifier(token) as Partial<AccessClaims> & { nbf?: unknown };
          if (typeof c.sub !== 'string' || typeof c.sid !== 'string' || typeof c.iat !== 'number' || typeof c.exp !== 'number') return null;
          claims = c as AccessClaims;
          // Valid until its exp and until it is older than the access TTL (maxAge), whichever comes first; a token
          // with a not-before is verified again each time rather than cached.
          if (c.nbf === undefined) verified.set(token, claims, Math.min(claims.exp * 1000, claims.iat * 1000 + s.accessTtlSeconds * 1000));
        } catch {
          return null;
        }
      }
      // Checked on every call, cache hits included: fast-jwt has no check of its own for an iat in the future.
      if (claims.iat * 1000 > now + CLOCK_SKEW_MS) return null;
      return claims;
    },
  };
}

const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Verified tokens kept at most: one per active client for the access TTL; the oldest entry goes first. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Tokens that passed verification, with the time their validity ends. A hit is the exact token string that was
 * verified, byte for byte: entries are found by the signature segment (hashing a ~300-character key on every request
 * costs more than the rest of a hit) and then compared whole. Keeping access tokens in memory exposes nothing a heap
 * dump of this process would not already give (the signing secret is in it too).
 */
function createVerifiedCache(max: number) {
  const entries = new Map<string, { readonly token: string; readonly claims: AccessClaims; readonly until: number }>();
  const keyOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);
  return {
    get(token: string, now: number): AccessClaims | undefined {
      const key = keyOf(token);
      const e = entries.get(key);
      if (e === undefined || e.token !== token) return undefined;
      if (e.until > now) return e.claims;
      entries.delete(key);
      return undefined;
    },
    set(token: string, claims: AccessClaims, until: number): void {
      const key = keyOf(token);
      if (!entries.has(key) && entries.size >= max) entries.delete(entries.keys().next().value as string);
      entries.set(key, { token, claims, until });
    },
  };
}

export const REFRESH_PREFIX = 'ghr_';

export function newRefreshToken(): string {
  return REFRESH_PREFIX + randomBytes(32).toString('base64url');
}

/** Node's one-shot hash: no Hash object per call, under half the cost (API keys are hashed on every request). */
export function sha256(value: string): string {
  return hash('sha256', value, 'hex');
}
