import { Type } from 'typebox';
import { allowAny } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { docsSpec } from '../../http/openapi.ts';

/** How long /readyz waits for the database before answering 503. */
export const READY_TIMEOUT_MS = 2_000;

const platform = (notes: string) => ({ section: '⚙️ Platform', group: 'Health and documentation', notes });

export interface SystemDeps {
  /** Throws when the database cannot answer. */
  readonly ping: () => Promise<void>;
}

export function systemRoutes(deps: SystemDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      access: allowAny,
      rateCategory: 'none',
      mode: 'sync',
      docs: platform('Liveness: the process answers'),
      schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      access: allowAny,
      rateCategory: 'none',
      mode: 'sync',
      docs: platform('Readiness: the database answers'),
      handler: async (_req, reply) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          // A database that hangs (a dropped network path, an exhausted pool) must not hang the probe with it.
          await Promise.race([
            deps.ping(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error('readiness probe timed out')), READY_TIMEOUT_MS);
            }),
          ]);
          return { status: 'ready', checks: { database: 'ok' } };
        } catch {
          // Say which dependency is down, never why (driver messages can carry hosts and users).
          return reply.code(503).send({ status: 'unavailable', checks: { database: 'down' } });
        } finally {
          clearTimeout(timer);
        }
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/openapi.json',
      access: allowAny,
      rateCategory: 'default',
      mode: 'sync',
      docs: platform('OpenAPI 3.1 document, generated from the route declarations'),
      handler: async (req) => req.server.swagger(),
    }),
    { ...docsSpec, docs: platform('Interactive API docs (HTML)') },
  ];
}
