/**
 * OpenAPI 3.1 at /api/openapi.json and a human docs page at /api/docs, both generated from the declared routes.
 * Each operation carries its access rule, rate category and mode as `x-` extensions, the same facts the permission
 * doc prints.
 */
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { allowAny } from '@gatehouse/policy';
import type { RouteSpec } from './route.ts';
import { defineRoute } from './route.ts';
import { SPEC_CATEGORIES, isSpecCategory } from '../rate-limit/categories.ts';

export const DOCS_PREFIX = '/api/docs';

export const docsSpec: RouteSpec = defineRoute({
  method: 'GET',
  url: DOCS_PREFIX,
  access: allowAny,
  rateCategory: 'default',
  mode: 'sync',
  external: true,
  docs: { section: 'Platform', group: 'Documentation', notes: 'Interactive API docs (static assets)' },
  handler: async () => undefined,
});

/** The docs UI plugin registers its own routes; they are declared public here rather than left undeclared. */
export function docsRouteSpec(url: string): RouteSpec | undefined {
  return url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`) ? { ...docsSpec, url } : undefined;
}

const MODE_LABEL = { sync: 'Sync', async: 'Async', sse: 'Sync/SSE', ws: 'WebSocket' } as const;

function describe(spec: RouteSpec): FastifySchema & Record<string, unknown> {
  const rate = isSpecCategory(spec.rateCategory) ? SPEC_CATEGORIES[spec.rateCategory].label : spec.rateCategory;
  const permission = spec.docs.permission ?? spec.access.label;
  return {
    summary: spec.docs.notes,
    description: `Permission: ${permission}. Type: ${MODE_LABEL[spec.mode]}. Rate category: ${rate}.`,
    tags: [spec.docs.group],
    ...(spec.access.needsPrincipal ? { security: [{ bearerAuth: [] }, { apiKey: [] }] } : { security: [] }),
    'x-permission': permission,
    'x-rate-category': spec.rateCategory,
    'x-mode': spec.mode,
  };
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse API',
        version: '0.1.0',
        description: 'Every operation states its permission (x-permission), rate category and mode.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const spec = (route as RouteOptions).config as { route?: RouteSpec } | undefined;
      const s = spec?.route;
      if (!s || docsRouteSpec(url)) return { schema: { ...schema, hide: true } as FastifySchema, url };
      return { schema: { ...schema, ...describe(s) } as FastifySchema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: false });
}
