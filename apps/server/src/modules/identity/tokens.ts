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
import { createHash, randomBytes, randomUUID } from 'node:crypto';
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
  const verifier = createVerifier({
    key: s.secret,
    algorithms: ['HS256'],
    allowedIss: s.issuer,
    allowedAud: s.audience,
    requiredClaims: ['exp', 'iat', 'sub', 'sid', 'iss', 'aud'],
    checkTyp: ACCESS_TYP,
    // Counted from iat; also caps how long a verified token stays in the cache.
    maxAge: s.accessTtlSeconds * 1000,
    // Verified tokens are cached until their exp (fast-jwt keys the cache on the whole token, signature included).
    cache: 10_000,
    cacheTTL: s.accessTtlSeconds * 1000,
  });
  return {
    sign: (userId, sessionId) => signer({ sub: userId, sid: sessionId, jti: randomUUID() }),
    verify(token) {
      try {
        const claims = verifier(token) as Partial<AccessClaims>;
        if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.iat !== 'number') return null;
        // Checked on every call, cache hits included: fast-jwt has no check of its own for an iat in the future.
        if (claims.iat * 1000 > Date.now() + CLOCK_SKEW_MS) return null;
        return claims as AccessClaims;
      } catch {
        return null;
      }
    },
  };
}

export const REFRESH_PREFIX = 'ghr_';

export function newRefreshToken(): string {
  return REFRESH_PREFIX + randomBytes(32).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
