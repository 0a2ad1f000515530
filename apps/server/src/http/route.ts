/**
 * The route declaration: the one place an endpoint states who may call it, how it is rate limited and how it is
 * documented. Enforcement (authorize.ts, rate-limit.ts), OpenAPI, docs/API_PERMISSIONS.md and the test matrices are
 * all derived from these values, so they cannot drift apart.
 */
import type { FastifyReply, FastifyRequest, FastifySchema, HTTPMethods, RouteHandlerMethod } from 'fastify';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessRule, Grants, Tier } from '@gatehouse/policy';
import type { LoaderInput } from './pipeline.ts';
import type { RequestContext } from './context.ts';
import type { RateCategory } from '../rate-limit/categories.ts';

/** The spec's Type column: Sync, Async, Sync/SSE, and WebSocket routes. */
export type RouteMode = 'sync' | 'async' | 'sse' | 'ws';

/** Limits a route adds on top of its tier category, e.g. register's 5/hour per IP. */
export interface EndpointLimit {
  readonly points: number;
  readonly durationSeconds: number;
  /** Whom the limit counts: the client IP (anonymous-friendly) or the principal. */
  readonly by: 'ip' | 'principal';
  /** Shown in the docs' Notes column, e.g. `5/hour`. */
  readonly label: string;
}

/**
 * Who an anonymous call counts against when its credential is in the body (refresh: the session family), so callers
 * behind one NAT do not share one per-IP allowance. For anonymous callers the route's tier category is counted under
 * the resolved `key`, with `tier`'s allowance, once the body is valid — instead of per IP before it is read.
 * `ipCeiling` still counts every call per IP, far looser, against spraying made-up credentials; a credential that
 * resolves to nothing (null) is counted by the ceiling alone.
 */
export interface BodyCaller {
  readonly ipCeiling: { readonly points: number; readonly durationSeconds: number };
  readonly resolve: (input: LoaderInput) => Promise<{ readonly key: string; readonly tier: Tier } | null>;
}

/**
 * A throttle on failures for one subject the body names (sign-in: one email, whatever IPs the attempts come from).
 * Checked before the handler runs (429 once `points` failures happened in the window); counted when the answer has
 * status `status`. Apply it whether or not the subject exists, or the 429 tells which ones do.
 */
export interface FailureThrottle {
  readonly key: (input: LoaderInput) => string;
  readonly points: number;
  readonly durationSeconds: number;
  readonly status: number;
}

export interface ScopedLimit {
  readonly key: string;
  readonly limit: EndpointLimit;
}

export interface RouteDocs {
  /** Top heading, e.g. `👤 Core APIs (`/api/`)`. */
  readonly section: string;
  /** Sub heading, e.g. `Authentication`. */
  readonly group: string;
  /** The spec's Notes column. */
  readonly notes: string;
  /** What the permission column should say when the rule label is not enough (e.g. who sees what). */
  readonly permission?: string;
}

export type Handler<S extends FastifySchema> = RouteHandlerMethod<
  Server,
  IncomingMessage,
  ServerResponse,
  Record<never, never>,
  unknown,
  S,
  TypeBoxTypeProvider
>;

export interface RouteSpec<S extends FastifySchema = FastifySchema> {
  readonly method: HTTPMethods;
  readonly url: string;
  readonly access: AccessRule;
  readonly rateCategory: RateCategory;
  readonly mode: RouteMode;
  readonly docs: RouteDocs;
  readonly schema?: S;
  readonly limits?: readonly EndpointLimit[];
  /** Body size limit for this route, when it differs from BODY_LIMIT (uploads). */
  readonly bodyLimit?: number;
  readonly handler: Handler<S>;
  /** Resolves the caller's RBAC grants in the request's scope (e.g. the store), for `permission()` rules. */
  readonly grants?: (input: LoaderInput) => Promise<Grants | undefined>;
  /**
   * A rate window chosen once grants are resolved (commerce: CUSTOMER calls are counted apart from staff calls).
   * Counted per principal under `key`, across every route that names the same key.
   */
  readonly scopedLimit?: (ctx: RequestContext) => ScopedLimit | undefined;
  readonly bodyCaller?: BodyCaller;
  readonly failureThrottle?: FailureThrottle;
  /** Served by a plugin (the docs UI); declared here so it is enforced and documented, but not registered by us. */
  readonly external?: boolean;
  /** For WebSocket routes: the socket handler (see the streaming module). */
  readonly wsHandler?: unknown;
}

/** Identity function that keeps the schema's static types flowing into the handler. */
export function defineRoute<const S extends FastifySchema>(spec: RouteSpec<S>): RouteSpec {
  return spec as unknown as RouteSpec;
}

export type AnyRequest = FastifyRequest;
export type AnyReply = FastifyReply;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The declaration this route was registered from (see pipeline.ts). */
    route?: RouteSpec;
    piped?: boolean;
  }
}
