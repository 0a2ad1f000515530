/**
 * Google ID-token verification against the provider's JWKS: signature, issuer, audience (our client id), expiry and
 * a verified email. Issuer and JWKS URL are settings so tests run against a real local OpenID provider.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { cleanDisplayName } from './display-name.ts';
import { isEmail } from './email.ts';

export interface GoogleIdentity {
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string;
}

export interface GoogleVerifier {
  verify(idToken: string): Promise<GoogleIdentity | null>;
}

export function createGoogleVerifier(opts: { clientId: string; issuer: string; jwksUrl: string }): GoogleVerifier {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  // Google issues both forms of its issuer; accept both only for the real Google.
  const issuers =
    opts.issuer === 'https://accounts.google.com' ? [opts.issuer, 'accounts.google.com'] : [opts.issuer];
  return {
    async verify(idToken) {
      try {
        const { payload } = await jwtVerify(idToken, jwks, {
          issuer: issuers,
          audience: opts.clientId,
          algorithms: ['RS256', 'ES256'],
          requiredClaims: ['exp', 'iat', 'sub'],
        });
        // Google's subjects are short digit strings; anything unstorable (NUL) or unbounded is not one.
        if (typeof payload.sub !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(payload.sub)) return null;
        // The claims are signed, not sanitized: an address our own rule refuses is no address to sign in with.
        if (typeof payload.email !== 'string' || !isEmail(payload.email.trim())) return null;
        return {
          sub: payload.sub,
          email: payload.email.trim(),
          emailVerified: payload.email_verified === true || payload.email_verified === 'true',
          name: cleanDisplayName(payload.name),
        };
      } catch {
        return null;
      }
    },
  };
}
