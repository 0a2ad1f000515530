/**
 * Wires the identity module: password hashing, access tokens, revocations, the user cache, the sessions and account
 * services, the principal resolver, and their routes.
 */
import { subMinutes } from './time.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import type { EventBus } from '../../events/bus.ts';
import type { RouteSpec } from '../../http/route.ts';
import type { AuditService } from '../audit/index.ts';
import { createAccountService } from './account.service.ts';
import { createGoogleVerifier } from './google.ts';
import { identityRoutes } from './identity.routes.ts';
import { createPasswordHasher } from './passwords.ts';
import { createPrincipalResolver, type ApiKeyAuthenticator } from './principal-resolver.ts';
import { createRevocations } from './revocations.ts';
import { recentlyRevokedSessions } from './sessions.repo.ts';
import { createSessionsService } from './sessions.service.ts';
import { createAccessTokens } from './tokens.ts';
import { createUserCache } from './user-cache.ts';
import { findUserById } from './users.repo.ts';
import { usersRoutes } from './users.routes.ts';
import { toPublicUser } from './view.ts';

export interface IdentityModuleDeps {
  readonly config: Config;
  readonly jwtSecret: string;
  readonly db: Db;
  readonly bus: EventBus;
  readonly audit: AuditService;
  readonly apiKeys: ApiKeyAuthenticator;
}

export async function createIdentityModule(d: IdentityModuleDeps) {
  const { config } = d;
  const hasher = createPasswordHasher(config.argon2);
  // The dummy hash for unknown emails exists before the first request (passwords.ts says why).
  await hasher.ready();
  const tokens = createAccessTokens({
    secret: d.jwtSecret,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    accessTtlSeconds: config.accessTokenTtlSeconds,
  });
  const revocations = createRevocations(d.bus, config.accessTokenTtlSeconds);
  // Sessions revoked while this process was down may still have unexpired access tokens out there.
  revocations.load(await recentlyRevokedSessions(d.db, subMinutes(new Date(), config.accessTokenTtlSeconds / 60 + 1)));
  const userCache = createUserCache(d.bus, async (id) => {
    const u = await findUserById(d.db, id);
    return u ? toPublicUser(u) : null;
  });
  const google = config.googleClientId
    ? createGoogleVerifier({ clientId: config.googleClientId, issuer: config.googleIssuer, jwksUrl: config.googleJwksUrl })
    : undefined;
  const sessions = createSessionsService({
    db: d.db,
    hasher,
    tokens,
    revocations,
    userCache,
    audit: d.audit,
    google,
    accessTtlSeconds: config.accessTokenTtlSeconds,
    refreshTtlSeconds: config.refreshTokenTtlSeconds,
  });
  const account = createAccountService({ db: d.db, hasher, revocations, userCache, audit: d.audit });
  return {
    hasher,
    tokens,
    sessions,
    account,
    userCache,
    resolver: createPrincipalResolver({ tokens, revocations, userCache, apiKeys: d.apiKeys }),
    routes: (): RouteSpec[] => [...identityRoutes(sessions), ...usersRoutes(account)],
    close() {
      revocations.close();
      userCache.close();
    },
  };
}

export type IdentityModule = Awaited<ReturnType<typeof createIdentityModule>>;
