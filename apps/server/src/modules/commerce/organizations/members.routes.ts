import { Type } from 'typebox';
import { scopedPermission } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../../http/route.ts';
import { requirePrincipal } from '../../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../../http/pagination.ts';
import { fromParam, type CommerceAccess } from '../access.ts';
import { IdParams, Uuid, docs, scoped, strict } from '../routing.ts';
import type { MembersService } from './members.service.ts';
import { MemberView, OrganizationRoleSchema } from './organizations.view.ts';

const d = (notes: string) => docs('Organization Members', notes);
const MemberParams = Type.Object({ id: Uuid, userId: Uuid }, strict);
const GUARD = 'escalation guard: only roles whose permissions the caller holds; only an OWNER touches an OWNER; never the last OWNER';

export function membersRoutes(access: CommerceAccess, members: MembersService): RouteSpec[] {
  const org = scoped(access, access.hooks.organization(fromParam('id')));
  return [
    defineRoute({
      method: 'GET',
      url: '/api/organizations/:id/members',
      access: scopedPermission('org:read'),
      ...org,
      docs: d('List members and their roles'),
      schema: { params: IdParams, querystring: Type.Object(PageQuery, strict), response: { 200: listOf(MemberView) } },
      handler: async (req) => members.list(requirePrincipal(req.ctx), req.params.id, pageOf(req.query)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/organizations/:id/members/:userId',
      access: scopedPermission('org:update'),
      ...org,
      docs: d(`Change a member's role; ${GUARD}`),
      schema: { params: MemberParams, body: Type.Object({ role: OrganizationRoleSchema }, strict), response: { 200: dataOf(MemberView) } },
      handler: async (req) => ({ data: await members.changeRole(requirePrincipal(req.ctx), req.params.id, req.params.userId, req.body.role) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/organizations/:id/members/:userId',
      access: scopedPermission('org:update'),
      ...org,
      docs: d(`Remove a member; ${GUARD}`),
      schema: { params: MemberParams },
      handler: async (req, reply) => {
        await members.remove(requirePrincipal(req.ctx), req.params.id, req.params.userId);
        return reply.code(204).send();
      },
    }),
  ];
}
