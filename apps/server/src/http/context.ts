/**
 * The request context passed first to every service call: who is calling, which request this is, where to log.
 * Services never see Fastify; they see this.
 */
import type { Grants, Principal } from '@gatehouse/policy';
import type { FastifyBaseLogger } from 'fastify';

export interface RequestContext {
  readonly requestId: string;
  readonly principal: Principal | null;
  readonly ip: string;
  readonly log: FastifyBaseLogger;
  readonly userAgent?: string;
  /** The object an object-level access rule loaded (and approved) for this request. */
  resource?: unknown;
  grants?: Grants;
  /** The organization and store a request acts in, once its scope is resolved (audit entries name them). */
  tenant?: { readonly organizationId?: string; readonly storeId?: string };
}

/** A context with a principal: what authenticated routes' services receive. */
export interface AuthedContext extends RequestContext {
  readonly principal: Principal;
}

export function requirePrincipal(ctx: RequestContext): AuthedContext {
  if (ctx.principal === null) throw new Error('service called without a principal on a route that needs one');
  return ctx as AuthedContext;
}

/** A context for work that does not come from a request (CLI, workers, start-up recovery). */
export function systemContext(log: FastifyBaseLogger, principal: Principal | null = null): RequestContext {
  return { requestId: `system-${Date.now().toString(36)}`, principal, ip: '127.0.0.1', log };
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}
