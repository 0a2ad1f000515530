import { Type } from 'typebox';
import { authenticated } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal } from '../../http/context.ts';
import type { createUsageService } from './usage.service.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export function usageRoutes(usage: ReturnType<typeof createUsageService>): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/usage/',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: { section: '👤 Core APIs (`/api/`)', group: 'Usage', notes: 'Usage statistics: per category limit, used, reset; credits' },
      schema: {
        response: {
          200: Type.Object({
            data: Type.Object({
              tier: Type.String(),
              credits: Type.Integer(),
              categories: Type.Array(
                Type.Object({
                  category: Type.String(),
                  label: Type.String(),
                  window: Type.String(),
                  limit: Nullable(Type.Integer()),
                  used: Type.Integer(),
                  remaining: Nullable(Type.Integer()),
                  resetAt: Nullable(Type.String()),
                }),
              ),
            }),
          }),
        },
      },
      handler: async (req) => ({ data: await usage.usage(requirePrincipal(req.ctx)) }),
    }),
  ];
}
