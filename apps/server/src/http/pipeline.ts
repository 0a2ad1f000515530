/**
 * The access pipeline every route runs, wired from its declaration:
 *
 *   onRequest:  authenticate (Bearer JWT or X-API-Key) → rate limit → authorize, when no object must be loaded
 *   preHandler: load the object (params are validated by now) → authorize object-level rules
 *
 * Deny by default: a route registered without a declaration (a plugin's, or a forgotten one) stops start-up.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
  onRequestHookHandler,
  onSendHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { isAccessRule, type Decision, type Principal } from '@gatehouse/policy';
import { AppError } from './errors.ts';
import type { RequestContext } from './context.ts';
import type { RouteSpec } from './route.ts';
import type { RateCheck, RateLimiter } from '../rate-limit/limiter.ts';
import type { WindowState } from '../rate-limit/store.ts';

export interface Credentials {
  readonly bearer?: string;
  readonly apiKey?: string;
  /** A single-use stream ticket (`?ticket=`), read on SSE and WebSocket routes only (CONTRACT.md, Principals). */
  readonly ticket?: string;
}

export type Resolution = Principal | null | 'invalid';

/**
 * Turns presented credentials into a principal. Filled by the identity module; tests may pass their own. May answer
 * synchronously (credentials it can check from memory): the request then waits on no promise.
 */
export interface PrincipalResolver {
  resolve(credentials: Credentials, request: { ip: string }): Resolution | Promise<Resolution>;
}

export interface LoaderInput {
  readonly params: Record<string, string>;
  readonly query: unknown;
  /** The validated body (pre-handlers run after validation), for scopes a body names (`POST /api/stores`). */
  readonly body?: unknown;
  readonly ctx: RequestContext;
}

export interface DenyEvent {
  readonly ctx: RequestContext;
  readonly route: RouteSpec;
  readonly decision: Extract<Decision, { allowed: false }>;
  readonly resourceId?: string;
}

export interface PipelineDeps {
  readonly resolver: PrincipalResolver;
  readonly limiter: RateLimiter;
  /** Called on every denial (the identity module writes it to the audit log). Must not throw. */
  readonly onDeny?: (event: DenyEvent) => void;
}

const BEARER = 'Bearer ';
const MAX_CREDENTIAL_LENGTH = 4096;

/**
 * The credentials a request presents. A Bearer credential is passed on as it stands (the resolver decides what a
 * well-formed token is; the identity module's accepts only compact JWTs); anything but the Bearer scheme is ''.
 */
export function extractCredentials(headers: FastifyRequest['headers']): Credentials | null {
  const auth = headers.authorization;
  const key = headers['x-api-key'];
  const out: { bearer?: string; apiKey?: string } = {};
  if (typeof auth === 'string' && auth.length <= MAX_CREDENTIAL_LENGTH) {
    out.bearer = auth.startsWith(BEARER) ? auth.slice(BEARER.length) : '';
  } else if (auth !== undefined) out.bearer = '';
  if (typeof key === 'string' && key.length <= MAX_CREDENTIAL_LENGTH) out.apiKey = key;
  else if (key !== undefined) out.apiKey = '';
  return out.bearer === undefined && out.apiKey === undefined ? null : out;
}

/** Adds `?ticket=` to the headers' credentials: browsers cannot set headers on an EventSource or a WebSocket. */
export function withTicket(creds: Credentials | null, query: unknown): Credentials | null {
  const t = (query as Record<string, unknown> | null | undefined)?.ticket;
  if (t === undefined) return creds;
  return { ...creds, ticket: typeof t === 'string' && t.length <= MAX_CREDENTIAL_LENGTH ? t : '' };
}

function setRateHeaders(reply: FastifyReply, s: WindowState): void {
  void reply.header('x-ratelimit-limit', s.limit);
  void reply.header('x-ratelimit-remaining', s.remaining);
  void reply.header('x-ratelimit-reset', Math.ceil(s.resetAt / 1000));
}

/** Reports a check's window when it has less room than the one already reported, and refuses when it is spent. */
function reportTighter(reply: FastifyReply, rc: RateCheck): void {
  const shown = Number(reply.getHeader('x-ratelimit-remaining') ?? Infinity);
  if (rc.reported && (!rc.allowed || rc.reported.remaining < shown)) setRateHeaders(reply, rc.reported);
  if (!rc.allowed && rc.reported) throw rateLimited(rc.reported);
}

export function rateLimited(s: WindowState): AppError {
  const retry = Math.max(1, Math.ceil((s.resetAt - Date.now()) / 1000));
  return new AppError('rate_limited', 'RATE_LIMITED', 'Too many requests; slow down.', undefined, { 'retry-after': retry });
}

function denial(d: Extract<Decision, { allowed: false }>): AppError {
  if (d.status === 401) return new AppError('unauthenticated', 'UNAUTHORIZED', 'Unauthorized');
  if (d.status === 404) return new AppError('not_found', 'NOT_FOUND', 'Not found');
  const code = d.reason.rule === 'permission' ? 'PERMISSION_DENIED' : 'FORBIDDEN';
  return new AppError('forbidden', code, d.reason.message, { required: d.reason.required });
}

/** Rules that need a loaded object or the caller's grants are decided in preHandler, once params are valid. */
const defersAuthorization = (spec: RouteSpec) => spec.access.load !== undefined || spec.grants !== undefined;
/** Limits keyed by the body are counted in preHandler too, once the body is valid. */
const needsPreHandler = (spec: RouteSpec) =>
  defersAuthorization(spec) || spec.bodyCaller !== undefined || spec.failureThrottle !== undefined;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

export function routeId(spec: Pick<RouteSpec, 'method' | 'url'>): string {
  return `${spec.method} ${spec.url}`;
}

export function installPipeline(app: FastifyInstance, deps: PipelineDeps, extraSpecs: (url: string) => RouteSpec | undefined): void {
  const { resolver, limiter, onDeny } = deps;
  // Declared up front, so every request object has the same shape from its creation (V8 keeps the property access
  // on the fast path instead of adding a property to each request).
  app.decorateRequest('ctx', null as unknown as RequestContext);

  function authorize(req: FastifyRequest, spec: RouteSpec): void {
    const ctx = req.ctx;
    const d = spec.access.check({
      principal: ctx.principal,
      resource: spec.access.load ? ((ctx.resource ?? null) as never) : undefined,
      readOnly: SAFE_METHODS.has(req.method),
      grants: ctx.grants,
    });
    if (d.allowed) return;
    const params = req.params as Record<string, string> | undefined;
    onDeny?.({ ctx, route: spec, decision: d, ...(params?.id ? { resourceId: params.id } : {}) });
    throw denial(d);
  }

  const makeOnRequest = (spec: RouteSpec): onRequestHookHandler => {
    const id = routeId(spec);
    const limited = {
      rateCategory: spec.rateCategory,
      limits: spec.limits,
      id,
      ...(spec.bodyCaller ? { callerCeiling: spec.bodyCaller.ipCeiling } : {}),
    };
    const stream = spec.mode === 'sse' || spec.mode === 'ws';
    const decideNow = !defersAuthorization(spec);

    /** Rate limit, then the rules that need no loaded object; an error to pass on, or undefined. */
    function admit(req: FastifyRequest, reply: FastifyReply, rc: RateCheck): Error | undefined {
      if (rc.reported) setRateHeaders(reply, rc.reported);
      if (!rc.allowed && rc.reported) return rateLimited(rc.reported);
      // Rules that need no loaded object or scope are decided here, before the body is even parsed.
      if (decideNow || (spec.access.needsPrincipal && req.ctx.principal === null)) {
        try {
          authorize(req, spec);
        } catch (e) {
          return e as Error;
        }
      }
      return undefined;
    }

    function withPrincipal(req: FastifyRequest, reply: FastifyReply, ip: string, r: Resolution, done: (err?: Error) => void): void {
      const principal = r === 'invalid' ? null : r;
      const ua = req.headers['user-agent'];
      // Two literal shapes rather than a spread: built on every request.
      req.ctx =
        typeof ua === 'string'
          ? { requestId: req.id, principal, ip, log: req.log, userAgent: ua.length > 256 ? ua.slice(0, 256) : ua }
          : { requestId: req.id, principal, ip, log: req.log };
      let now: RateCheck | undefined;
      try {
        now = limiter.checkNow(limited, principal, ip);
      } catch (e) {
        done(e as Error);
        return;
      }
      if (now !== undefined) done(admit(req, reply, now));
      else limiter.check(limited, principal, ip).then((rc) => done(admit(req, reply, rc)), done);
    }

    // A callback hook, not an async one: on the warm path (credentials checked from memory, a memory rate-limit
    // store) nothing here waits on a promise, and a request with nothing to wait for should not pay for one.
    return function accessOnRequest(req, reply, done) {
      const ip = req.ip;
      const creds = stream ? withTicket(extractCredentials(req.headers), req.query) : extractCredentials(req.headers);
      if (creds === null) return withPrincipal(req, reply, ip, null, done);
      const r = resolver.resolve(creds, { ip });
      if (isPromise(r)) r.then((v) => withPrincipal(req, reply, ip, v, done), done);
      else withPrincipal(req, reply, ip, r, done);
    };
  };

  /** The failure-throttle key of each request under way, for the onSend hook that counts a failure. */
  const failureKeys = new WeakMap<FastifyRequest, string>();

  const makePreHandler = (spec: RouteSpec): preHandlerHookHandler => {
    const id = routeId(spec);
    const load = spec.access.load as ((input: LoaderInput) => Promise<unknown>) | undefined;
    const deferred = defersAuthorization(spec);
    return async function accessPreHandler(req, reply) {
      const input: LoaderInput = { params: (req.params ?? {}) as Record<string, string>, query: req.query, body: req.body, ctx: req.ctx };
      if (spec.grants) {
        const g = await spec.grants(input);
        if (g) req.ctx.grants = g;
      }
      const scoped = spec.scopedLimit?.(req.ctx);
      if (scoped) {
        const rc = await limiter.check({ rateCategory: 'none', limits: [scoped.limit], id: scoped.key }, req.ctx.principal, req.ip);
        reportTighter(reply, rc);
      }
      if (spec.bodyCaller && req.ctx.principal === null) {
        const caller = await spec.bodyCaller.resolve(input);
        if (caller) reportTighter(reply, await limiter.checkCaller(spec.rateCategory, caller.key, caller.tier));
      }
      const ft = spec.failureThrottle;
      if (ft) {
        const key = ft.key(input);
        const s = await limiter.peekFailures(id, key, ft.points, ft.durationSeconds);
        if (s.remaining <= 0) reportTighter(reply, { allowed: false, reported: { ...s, allowed: false } });
        failureKeys.set(req, key);
      }
      if (load) req.ctx.resource = await load(input);
      if (deferred) authorize(req, spec);
    };
  };

  /** Counts a failure of a throttled route (e.g. a 401 from sign-in) before the answer leaves. */
  const makeOnSend = (spec: RouteSpec): onSendHookHandler => {
    const id = routeId(spec);
    const ft = spec.failureThrottle!;
    return async function countFailure(req, reply, payload) {
      const key = failureKeys.get(req);
      if (key !== undefined && reply.statusCode === ft.status) await limiter.countFailure(id, key, ft.points, ft.durationSeconds);
      return payload;
    };
  };

  app.addHook('onRoute', (opts: RouteOptions) => {
    const config = (opts.config ?? {}) as { route?: RouteSpec; piped?: boolean };
    if (config.piped) return;
    const spec = config.route ?? extraSpecs(opts.url as string);
    if (!spec || !isAccessRule(spec.access) || !spec.rateCategory || !spec.mode) {
      throw new Error(`Route ${String(opts.method)} ${String(opts.url)} declares no access rule, rate category or mode; refusing to start`);
    }
    opts.config = { ...config, route: spec, piped: true };
    const onReq = makeOnRequest(spec);
    const existing = opts.onRequest ? (Array.isArray(opts.onRequest) ? opts.onRequest : [opts.onRequest]) : [];
    opts.onRequest = [onReq, ...existing];
    if (needsPreHandler(spec)) {
      const pre = opts.preHandler ? (Array.isArray(opts.preHandler) ? opts.preHandler : [opts.preHandler]) : [];
      opts.preHandler = [makePreHandler(spec), ...pre];
    }
    if (spec.failureThrottle) {
      const sends = opts.onSend ? (Array.isArray(opts.onSend) ? opts.onSend : [opts.onSend]) : [];
      opts.onSend = [makeOnSend(spec), ...sends];
    }
  });
}

/**
 * A POST/PUT/PATCH without a body validates as an empty object, so optional-body routes work and required fields are
 * reported by name ("body.email is required") rather than as "body must be object". Only routes with a body schema
 * carry this hook.
 */
function defaultEmptyBody(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (req.body === undefined) req.body = {};
  done();
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A route that declares no body takes none: a JSON body with fields is refused with the contract's unknown-field
 * error, as it would be on a route with a strict body schema (CONTRACT.md: unknown fields → 400). An empty body, or
 * `{}`, passes.
 */
function refuseBody(req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  const body = req.body as unknown;
  if (body === undefined || body === null) return done();
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return done();
  const keys = typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
  const details = keys.length > 0 ? keys.map((k) => ({ path: `body.${k}`, message: 'unknown field' })) : [{ path: 'body', message: 'this endpoint takes no body' }];
  done(new AppError('invalid', 'VALIDATION_FAILED', 'Request validation failed', details));
}

/** Registers declared routes (after installPipeline). */
export function registerRoutes(app: FastifyInstance, specs: readonly RouteSpec[]): void {
  for (const spec of specs) {
    if (spec.external) continue;
    app.route({
      method: spec.method,
      url: spec.url,
      ...(spec.schema ? { schema: spec.schema } : {}),
      ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
      config: { route: spec },
      ...((spec.schema as { body?: unknown } | undefined)?.body
        ? { preValidation: defaultEmptyBody }
        : BODY_METHODS.has(spec.method as string)
          ? { preValidation: refuseBody }
          : {}),
      handler: spec.handler as never,
      // @fastify/websocket hands upgrade requests to `wsHandler` once the access hooks have passed; plain GETs get `handler`.
      ...(spec.mode === 'ws' ? { wsHandler: spec.wsHandler as never } : {}),
    });
  }
}
