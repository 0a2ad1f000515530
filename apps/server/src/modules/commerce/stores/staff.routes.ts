import { Type } from 'typebox';
import { scopedPermission } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../../http/route.ts';
import { requirePrincipal } from '../../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../../http/pagination.ts';
import { fromParam, type CommerceAccess } from '../access.ts';
import { IdParams, Uuid, docs, scoped, strict } from '../routing.ts';
import type { StaffService } from './staff.service.ts';
import { StaffView, StoreRoleSchema } from './stores.view.ts';

const d = (notes: string) => docs('Store Staff', notes);
const StaffParams = Type.Object({ id: Uuid, userId: Uuid }, strict);
const GUARD = 'escalation guard: only roles whose permissions the caller holds in this store';

export function staffRoutes(access: CommerceAccess, staff: StaffService): RouteSpec[] {
  const store = scoped(access, access.hooks.store(fromParam('id')));
  return [
    defineRoute({
      method: 'GET',
      url: '/api/stores/:id/staff',
      access: scopedPermission('stores:read'),
      ...store,
      docs: d('List store staff and their roles'),
      schema: { params: IdParams, querystring: Type.Object(PageQuery, strict), response: { 200: listOf(StaffView) } },
      handler: async (req) => staff.list(requirePrincipal(req.ctx), req.params.id, pageOf(req.query)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/stores/:id/staff/:userId',
      access: scopedPermission('stores:update'),
      ...store,
      docs: d(`Change a staff member's role; ${GUARD}`),
      schema: { params: StaffParams, body: Type.Object({ role: StoreRoleSchema }, strict), response: { 200: dataOf(StaffView) } },
      handler: async (req) => ({ data: await staff.changeRole(requirePrincipal(req.ctx), req.params.id, req.params.userId, req.body.role) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/stores/:id/staff/:userId',
      access: scopedPermission('stores:update'),
      ...store,
      docs: d(`Remove a staff member; ${GUARD}`),
      schema: { params: StaffParams },
      handler: async (req, reply) => {
        await staff.remove(requirePrincipal(req.ctx), req.params.id, req.params.userId);
        return reply.code(204).send();
      },
    }),
  ];
}
