import { Type } from 'typebox';
import { authenticated, scopedPermission } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../../http/route.ts';
import { requirePrincipal } from '../../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../../http/pagination.ts';
import { fromParam, type CommerceAccess } from '../access.ts';
import { IdParams, Name, Slug, docs, scoped, strict } from '../routing.ts';
import type { OrganizationsService } from './organizations.service.ts';
import { OrganizationView } from './organizations.view.ts';

const d = (notes: string, permission?: string) => docs('Organizations', notes, permission);
const Body = Type.Object({ name: Name, slug: Slug }, strict);
const Patch = Type.Object({ name: Type.Optional(Name), slug: Type.Optional(Slug) }, strict);

export function organizationsRoutes(access: CommerceAccess, orgs: OrganizationsService): RouteSpec[] {
  const org = scoped(access, access.hooks.organization(fromParam('id')));
  return [
    defineRoute({
      method: 'GET',
      url: '/api/organizations',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: d('List the organizations the caller may read (`org:read`); staff see all', 'Authenticated'),
      schema: { querystring: Type.Object(PageQuery, strict), response: { 200: listOf(OrganizationView) } },
      handler: async (req) => orgs.list(requirePrincipal(req.ctx), pageOf(req.query)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/organizations',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: d('Create an organization; the caller becomes its OWNER'),
      schema: { body: Body, response: { 201: dataOf(OrganizationView) } },
      handler: async (req, reply) => reply.code(201).send({ data: await orgs.create(requirePrincipal(req.ctx), req.body) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/organizations/:id',
      access: scopedPermission('org:read'),
      ...org,
      docs: d('Get organization details'),
      schema: { params: IdParams, response: { 200: dataOf(OrganizationView) } },
      handler: async (req) => ({ data: await orgs.get(requirePrincipal(req.ctx), req.params.id) }),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/organizations/:id',
      access: scopedPermission('org:update'),
      ...org,
      docs: d('Update organization (name, slug)'),
      schema: { params: IdParams, body: Patch, response: { 200: dataOf(OrganizationView) } },
      handler: async (req) => ({ data: await orgs.update(requirePrincipal(req.ctx), req.params.id, req.body) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/organizations/:id',
      access: scopedPermission('org:delete'),
      ...org,
      docs: d('Delete organization (soft delete; its stores go with it). OWNER only, never ADMIN'),
      schema: { params: IdParams },
      handler: async (req, reply) => {
        await orgs.remove(requirePrincipal(req.ctx), req.params.id);
        return reply.code(204).send();
      },
    }),
  ];
}
