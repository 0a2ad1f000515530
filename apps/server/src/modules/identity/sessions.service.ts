/**
 * Sign-in and sessions: register, login, Google sign-in, refresh with rotation and reuse detection, logout.
 *
 * A session is a family of refresh tokens. Each refresh marks the presented token used and issues the next one; a
 * used token presented again means it was stolen (or raced), so the whole family is revoked — the thief's copy and
 * the victim's both stop working, and the user signs in again.
 */
import { randomUUID } from 'node:crypto';
import type { Tier } from '@gatehouse/policy';
import type { Db, Tx } from '../../db/database.ts';
import type { RequestContext } from '../../http/context.ts';
import type { AuditEvent, AuditService } from '../audit/index.ts';
import { identityErrors } from './identity.errors.ts';
import { passwordProblem, type PasswordHasher } from './passwords.ts';
import type { Revocations } from './revocations.ts';
import { newRefreshToken, sha256, type AccessTokens } from './tokens.ts';
import type { GoogleIdentity, GoogleVerifier } from './google.ts';
import { findUserByEmail, findUserByGoogleSub, insertUser, linkGoogleSub, type UserRow } from './users.repo.ts';
import {
  findRefreshToken,
  insertRefreshToken,
  insertSessionWith,
  markRefreshTokenUsed,
  revokeSession,
  touchSession,
} from './sessions.repo.ts';
import { toPublicUser, type PublicUser, type Tokens } from './view.ts';
import type { UserCache } from './user-cache.ts';

export interface SessionsDeps {
  readonly db: Db;
  readonly hasher: PasswordHasher;
  readonly tokens: AccessTokens;
  readonly revocations: Revocations;
  readonly userCache: UserCache;
  readonly audit: AuditService;
  readonly google: GoogleVerifier | undefined;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
}

export interface SignedIn {
  readonly user: PublicUser;
  readonly tokens: Tokens;
}

const isUniqueViolation = (e: unknown): boolean => {
  const err = e as { code?: string; cause?: { code?: string } };
  return err.code === '23505' || err.cause?.code === '23505';
};

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createSessionsService(d: SessionsDeps) {
  /** A new session with its tokens; `audit` is the sign-in's event, written in the same statement. */
  async function startSession(tx: Tx, ctx: RequestContext, userId: string, audit: AuditEvent): Promise<Tokens> {
    const sessionId = randomUUID();
    const refreshToken = newRefreshToken();
    await insertSessionWith(
      tx,
      { id: sessionId, userId, expiresAt: new Date(Date.now() + d.refreshTtlSeconds * 1000), ip: ctx.ip, userAgent: ctx.userAgent ?? null },
      { id: randomUUID(), sessionId, tokenHash: sha256(refreshToken) },
      d.audit.insertValues('a_', ctx, audit),
    );
    return tokensOf(userId, sessionId, refreshToken);
  }

  const tokensOf = (userId: string, sessionId: string, refreshToken: string): Tokens => ({
    accessToken: d.tokens.sign(userId, sessionId),
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: d.accessTtlSeconds,
  });

  async function nextTokens(tx: Tx, userId: string, sessionId: string): Promise<Tokens> {
    const refreshToken = newRefreshToken();
    await insertRefreshToken(tx, { id: randomUUID(), sessionId, tokenHash: sha256(refreshToken) });
    return tokensOf(userId, sessionId, refreshToken);
  }

  async function signIn(ctx: RequestContext, user: UserRow, action: string, details?: Record<string, unknown>): Promise<SignedIn> {
    const tokens = await startSession(d.db, ctx, user.id, { action, outcome: 'success', actorId: user.id, ...(details ? { details } : {}) });
    return { user: toPublicUser(user), tokens };
  }

  /**
   * The account a verified Google identity signs in to: the one linked to its subject, else the one with its email
   * (linked now, unless it is already linked to another subject: an account belongs to one Google identity, and a
   * second one with the same address — a recycled or transferred mailbox — must not take it over), else a new one.
   */
  async function googleAccount(ctx: RequestContext, g: GoogleIdentity, retried = false): Promise<{ user: UserRow; how: string }> {
    const bySub = await findUserByGoogleSub(d.db, g.sub);
    if (bySub) return { user: bySub, how: 'existing' };
    const email = normaliseEmail(g.email);
    const mismatch = (userId: string) => {
      d.audit.recordLater(ctx, {
        action: 'auth.google',
        outcome: 'denied',
        actorId: null,
        subjectId: userId,
        details: { reason: 'linked_to_other_google_account', googleSub: g.sub },
      });
      return identityErrors.googleAccountMismatch();
    };
    const byEmail = await findUserByEmail(d.db, email);
    if (byEmail) {
      if (byEmail.googleSub !== null) throw mismatch(byEmail.id);
      const linked = await linkGoogleSub(d.db, byEmail.id, g.sub).catch((e: unknown) => {
        // The subject was linked elsewhere meanwhile (a racing first sign-in created its account).
        if (isUniqueViolation(e)) return null;
        throw e;
      });
      if (linked) {
        await d.userCache.invalidate(linked.id);
        return { user: linked, how: 'linked' };
      }
      const now = await findUserByGoogleSub(d.db, g.sub);
      if (now) return { user: now, how: 'existing' };
      throw mismatch(byEmail.id);
    }
    try {
      return { user: await insertUser(d.db, { id: randomUUID(), email, name: g.name, googleSub: g.sub, passwordHash: null }), how: 'created' };
    } catch (e) {
      if (!isUniqueViolation(e) || retried) throw e;
      // Two first sign-ins raced (the other one created the account), or the address was registered meanwhile:
      // decide again, once, on what is there now.
      return googleAccount(ctx, g, true);
    }
  }

  return {
    async register(ctx: RequestContext, input: { email: string; password: string; name?: string | undefined }): Promise<SignedIn> {
      const email = normaliseEmail(input.email);
      const problem = passwordProblem(input.password, email);
      if (problem) throw identityErrors.weakPassword(problem, 'password');
      const passwordHash = await d.hasher.hash(input.password);
      try {
        return await d.db.transaction(async (tx) => {
          const user = await insertUser(tx, { id: randomUUID(), email, name: input.name?.trim() ?? '', passwordHash });
          const tokens = await startSession(tx, ctx, user.id, { action: 'auth.register', outcome: 'success', actorId: user.id });
          return { user: toPublicUser(user), tokens };
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw identityErrors.emailTaken();
        throw e;
      }
    },

    async login(ctx: RequestContext, input: { email: string; password: string }): Promise<SignedIn> {
      const email = normaliseEmail(input.email);
      const user = await findUserByEmail(d.db, email);
      // Always run one argon2 verification, so an unknown email costs what a wrong password costs.
      const ok = await d.hasher.verify(user?.passwordHash ?? null, input.password);
      if (!user || !ok) {
        d.audit.recordLater(ctx, {
          action: 'auth.login',
          outcome: 'failure',
          actorId: user?.id ?? null,
          details: { reason: user ? 'wrong_password' : 'unknown_email', ...(user ? {} : { email: email.slice(0, 254) }) },
        });
        throw identityErrors.invalidLogin();
      }
      return signIn(ctx, user, 'auth.login');
    },

    async googleSignIn(ctx: RequestContext, idToken: string): Promise<SignedIn> {
      if (!d.google) throw identityErrors.googleNotConfigured();
      const g = await d.google.verify(idToken);
      if (!g) {
        d.audit.recordLater(ctx, { action: 'auth.google', outcome: 'failure', actorId: null, details: { reason: 'invalid_token' } });
        throw identityErrors.googleTokenInvalid();
      }
      // An unverified email could belong to someone else: never link or create an account on it.
      if (!g.emailVerified) {
        d.audit.recordLater(ctx, { action: 'auth.google', outcome: 'denied', actorId: null, details: { reason: 'email_unverified', googleSub: g.sub } });
        throw identityErrors.googleEmailUnverified();
      }
      const { user, how } = await googleAccount(ctx, g);
      return signIn(ctx, user, 'auth.google', { account: how });
    },

    /**
     * Whom a refresh counts against for rate limiting: its session family, at its user's tier. Null for a token we
     * do not know (the route's per-IP ceiling counts those).
     */
    async refreshCaller(refreshToken: string): Promise<{ key: string; tier: Tier } | null> {
      const found = await findRefreshToken(d.db, sha256(refreshToken));
      if (!found) return null;
      const user = await d.userCache.get(found.session.userId);
      return { key: `session:${found.session.id}`, tier: user?.tier ?? 'free' };
    },

    /** The per-email sign-in failure throttle's key: the address as stored, hashed (limit stores need no emails). */
    loginThrottleKey(email: string): string {
      return `email:${sha256(normaliseEmail(email))}`;
    },

    async refresh(ctx: RequestContext, refreshToken: string): Promise<Tokens> {
      const found = await findRefreshToken(d.db, sha256(refreshToken));
      if (!found) throw identityErrors.invalidRefresh();
      const { token, session } = found;
      if (session.revokedAt !== null || session.expiresAt.getTime() <= Date.now()) throw identityErrors.invalidRefresh();
      const reuse = async () => {
        await d.db.transaction(async (tx) => {
          await revokeSession(tx, session.id, 'refresh_reuse');
          await d.audit.record(tx, ctx, {
            action: 'auth.refresh_reuse_detected',
            outcome: 'denied',
            actorId: session.userId,
            targetType: 'session',
            targetId: session.id,
          });
        });
        await d.revocations.revoke([session.id]);
        return identityErrors.invalidRefresh();
      };
      if (token.usedAt !== null) throw await reuse();
      const tokens = await d.db.transaction(async (tx) => {
        if (!(await markRefreshTokenUsed(tx, token.id))) return null;
        await touchSession(tx, session.id);
        return nextTokens(tx, session.userId, session.id);
      });
      if (!tokens) throw await reuse();
      return tokens;
    },

    async logout(ctx: RequestContext, sessionId: string | undefined, refreshToken: string | undefined): Promise<void> {
      const userId = ctx.principal?.userId;
      const ids = new Set<string>();
      if (sessionId) ids.add(sessionId);
      if (refreshToken) {
        // Only a refresh token of the caller's own sessions counts; anything else is ignored, not an oracle.
        const found = await findRefreshToken(d.db, sha256(refreshToken));
        if (found && found.session.userId === userId) ids.add(found.session.id);
      }
      const revoked: string[] = [];
      await d.db.transaction(async (tx) => {
        for (const id of ids) if (await revokeSession(tx, id, 'logout')) revoked.push(id);
        await d.audit.record(tx, ctx, { action: 'auth.logout', outcome: 'success', details: { sessions: revoked.length } });
      });
      await d.revocations.revoke([...ids]);
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
