import { Type } from 'typebox';
import { admin } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../../http/route.ts';
import { requirePrincipal } from '../../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../../http/pagination.ts';
import { Nullable, Timestamp, Uuid, docs, strict } from '../routing.ts';
import type { TrashService } from './trash.service.ts';

const d = (notes: string) => docs('Trash (SUPER_ADMIN)', notes, 'Admin (SUPER_ADMIN)');
const TrashTypeSchema = Type.Enum(['organizations', 'stores', 'products', 'categories', 'brands', 'customers', 'orders']);
const TrashItem = Type.Object({
  type: TrashTypeSchema,
  id: Type.String(),
  organizationId: Type.String(),
  storeId: Nullable(Type.String()),
  label: Type.String(),
  deletedAt: Nullable(Timestamp),
});

export function trashRoutes(trash: TrashService): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/trash',
      access: admin,
      rateCategory: 'default',
      mode: 'sync',
      docs: d('List soft-deleted rows of one type (`type`, `organizationId`, `storeId`)'),
      schema: {
        querystring: Type.Object({ ...PageQuery, type: TrashTypeSchema, organizationId: Type.Optional(Uuid), storeId: Type.Optional(Uuid) }, strict),
        response: { 200: listOf(TrashItem) },
      },
      handler: async (req) => {
        const { page, perPage, type, ...f } = req.query;
        return trash.list(requirePrincipal(req.ctx), type, f, pageOf({ page, perPage }));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/trash/:type/:id/restore',
      access: admin,
      rateCategory: 'default',
      mode: 'sync',
      docs: d('Restore a soft-deleted row (an organization or store with what was deleted with it)'),
      schema: { params: Type.Object({ type: TrashTypeSchema, id: Uuid }, strict), response: { 200: dataOf(TrashItem) } },
      handler: async (req) => ({ data: await trash.restore(requirePrincipal(req.ctx), req.params.type, req.params.id) }),
    }),
  ];
}
