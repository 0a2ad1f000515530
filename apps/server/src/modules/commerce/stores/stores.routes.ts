import { Type } from 'typebox';
import { scopedPermission } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../../http/route.ts';
import { requirePrincipal } from '../../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../../http/pagination.ts';
import { fromBody, fromParam, fromQuery, type CommerceAccess } from '../access.ts';
import { Currency, Email, IdParams, Name, Slug, Text, Uuid, docs, scoped, strict } from '../routing.ts';
import type { StoresService } from './stores.service.ts';
import { StoreView } from './stores.view.ts';

const d = (notes: string) => docs('Stores', notes);
const fields = { email: Type.Optional(Email), description: Type.Optional(Text), currency: Type.Optional(Currency) };
const Create = Type.Object({ name: Name, slug: Slug, organizationId: Type.Optional(Uuid), ...fields }, strict);
const Update = Type.Object({ name: Type.Optional(Name), slug: Type.Optional(Slug), ...fields }, strict);

export function storesRoutes(access: CommerceAccess, stores: StoresService): RouteSpec[] {
  const one = scoped(access, access.hooks.store(fromParam('id')));
  return [
    defineRoute({
      method: 'GET',
      url: '/api/stores',
      access: scopedPermission('stores:read'),
      ...scoped(access, access.hooks.organization(fromQuery('organizationId'), { includeStores: true })),
      docs: d('List all stores (filtered by org; `?organizationId=`)'),
      schema: { querystring: Type.Object({ ...PageQuery, organizationId: Type.Optional(Uuid) }, strict), response: { 200: listOf(StoreView) } },
      handler: async (req) => stores.list(requirePrincipal(req.ctx), pageOf(req.query)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/stores',
      access: scopedPermission('stores:create'),
      ...scoped(access, access.hooks.organization(fromBody('organizationId'), { defaultToOnly: true })),
      docs: d('Create new store (in `organizationId`, or the caller’s only organization)'),
      schema: { body: Create, response: { 201: dataOf(StoreView) } },
      handler: async (req, reply) => reply.code(201).send({ data: await stores.create(requirePrincipal(req.ctx), req.body) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/stores/:id',
      access: scopedPermission('stores:read'),
      ...one,
      docs: d('Get store details; a store the caller holds no role in: 403 “Access denied. You do not have permission to access this store.”'),
      schema: { params: IdParams, response: { 200: dataOf(StoreView) } },
      handler: async (req) => ({ data: await stores.get(requirePrincipal(req.ctx), req.params.id) }),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/stores/:id',
      access: scopedPermission('stores:update'),
      ...one,
      docs: d('Update store (the fields sent)'),
      schema: { params: IdParams, body: Update, response: { 200: dataOf(StoreView) } },
      handler: async (req) => ({ data: await stores.update(requirePrincipal(req.ctx), req.params.id, req.body) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/stores/:id',
      access: scopedPermission('stores:delete'),
      ...one,
      docs: d('Delete store (soft delete; its catalogue, customers and orders go with it)'),
      schema: { params: IdParams },
      handler: async (req, reply) => {
        await stores.remove(requirePrincipal(req.ctx), req.params.id);
        return reply.code(204).send();
      },
    }),
  ];
}
