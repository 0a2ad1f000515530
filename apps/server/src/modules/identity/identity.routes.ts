import { Type } from 'typebox';
import { allowAny, authenticated } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal } from '../../http/context.ts';
import { dataOf } from '../../http/pagination.ts';
import { Email, LoginEmail, Name, Password, strict } from './identity.schemas.ts';
import { PublicUser, Tokens } from './view.ts';
import type { SessionsService } from './sessions.service.ts';

const docs = (notes: string) => ({ section: '👤 Core APIs (`/api/`)', group: 'Authentication', notes });
const SignedIn = dataOf(Type.Object({ user: PublicUser, tokens: Tokens }));
const RefreshToken = Type.String({ minLength: 1, maxLength: 512 });

/**
 * Refresh is counted per session family (the auth tier's allowance of the family's user), so people behind one NAT
 * do not share ten refreshes a minute; this per-IP ceiling, far looser, bounds how fast one address may try tokens.
 */
const REFRESH_CEILING_PER_IP = { points: 60, durationSeconds: 60 };
/**
 * After this many failed sign-ins for one email within the window, further attempts for that email get 429 from any
 * IP (counted for unknown emails too, so the 429 says nothing about which accounts exist).
 */
const LOGIN_FAILURES_PER_EMAIL = { points: 10, durationSeconds: 15 * 60 };

export function identityRoutes(sessions: SessionsService): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/auth/register',
      access: allowAny,
      rateCategory: 'auth',
      mode: 'sync',
      limits: [{ points: 5, durationSeconds: 3600, by: 'ip', label: '5/hour' }],
      docs: docs('Create an account'),
      schema: {
        body: Type.Object({ email: Email, password: Password, name: Type.Optional(Name) }, strict),
        response: { 201: SignedIn },
      },
      handler: async (req, reply) => reply.code(201).send({ data: await sessions.register(req.ctx, req.body) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/login',
      access: allowAny,
      rateCategory: 'auth',
      mode: 'sync',
      limits: [{ points: 10, durationSeconds: 60, by: 'ip', label: '10/min' }],
      failureThrottle: {
        ...LOGIN_FAILURES_PER_EMAIL,
        status: 401,
        key: ({ body }) => sessions.loginThrottleKey((body as { email: string }).email),
      },
      docs: docs('Email and password sign-in'),
      schema: { body: Type.Object({ email: LoginEmail, password: Password }, strict), response: { 200: SignedIn } },
      handler: async (req) => ({ data: await sessions.login(req.ctx, req.body) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/google',
      access: allowAny,
      rateCategory: 'auth',
      mode: 'sync',
      limits: [{ points: 10, durationSeconds: 60, by: 'ip', label: '10/min' }],
      docs: docs('OAuth2 Flow: exchange a Google ID token'),
      schema: { body: Type.Object({ idToken: Type.String({ minLength: 1, maxLength: 8192 }) }, strict), response: { 200: SignedIn } },
      handler: async (req) => ({ data: await sessions.googleSignIn(req.ctx, req.body.idToken) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/refresh',
      // The refresh token in the body is the credential (the access token may have expired); the service
      // answers 401 for anything but a live, unused one.
      access: allowAny,
      rateCategory: 'auth',
      mode: 'sync',
      bodyCaller: {
        ipCeiling: REFRESH_CEILING_PER_IP,
        resolve: ({ body }) => sessions.refreshCaller((body as { refreshToken: string }).refreshToken),
      },
      docs: { ...docs('Refresh JWT token (rotates the refresh token)'), permission: 'Authenticated (refresh token)' },
      schema: { body: Type.Object({ refreshToken: RefreshToken }, strict), response: { 200: dataOf(Type.Object({ tokens: Tokens })) } },
      handler: async (req) => ({ data: { tokens: await sessions.refresh(req.ctx, req.body.refreshToken) } }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/logout',
      access: authenticated,
      rateCategory: 'auth',
      mode: 'sync',
      docs: docs('Invalidate token: the access token and its refresh family stop working'),
      schema: { body: Type.Object({ refreshToken: Type.Optional(RefreshToken) }, strict) },
      handler: async (req, reply) => {
        const ctx = requirePrincipal(req.ctx);
        await sessions.logout(ctx, ctx.principal.sessionId, req.body.refreshToken);
        return reply.code(204).send();
      },
    }),
  ];
}
