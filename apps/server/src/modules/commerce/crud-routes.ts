/**
 * The CRUD shape shared by the store-owned resources (categories, brands, customers, orders): list with `?storeId=`
 * and filters, create with `storeId` in the body, get, PATCH and soft-delete by id, each behind its
 * `resource:action` permission in the scope its hook resolves (the store named, or the object's store).
 */
import { Type, type TObject, type TSchema } from 'typebox';
import { scopedPermission } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal, type AuthedContext } from '../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf, type PageMetaT } from '../../http/pagination.ts';
import { fromBody, fromQuery, type CommerceAccess, type ObjectTable } from './access.ts';
import type { Page } from './page.ts';
import { IdParams, docs, scoped, strict } from './routing.ts';

export interface CrudService {
  list(ctx: AuthedContext, filters: never, p: Page): Promise<{ data: unknown[]; meta: PageMetaT }>;
  get(ctx: AuthedContext, id: string): Promise<unknown>;
  create(ctx: AuthedContext, input: never): Promise<unknown>;
  update(ctx: AuthedContext, id: string, patch: never): Promise<unknown>;
  remove(ctx: AuthedContext, id: string): Promise<void>;
}

export interface CrudOptions {
  readonly url: string;
  readonly resource: ObjectTable;
  readonly group: string;
  readonly view: TSchema;
  /** Filters besides page, perPage and storeId. */
  readonly filters: TObject['properties'];
  readonly create: TObject;
  readonly update: TObject;
  readonly notes: { list: string; create: string; get: string; update: string; delete: string };
}

export function storeCrudRoutes(access: CommerceAccess, o: CrudOptions, service: CrudService): RouteSpec[] {
  const one = scoped(access, access.hooks.object(o.resource));
  const d = (notes: string) => docs(o.group, notes);
  const p = (action: string) => scopedPermission(`${o.resource}:${action}`);
  const Filters = Type.Object({ ...PageQuery, storeId: Type.Optional(Type.String({ format: 'uuid' })), ...o.filters }, strict);
  return [
    defineRoute({
      method: 'GET',
      url: o.url,
      access: p('read'),
      ...scoped(access, access.hooks.store(fromQuery('storeId'))),
      docs: d(o.notes.list),
      schema: { querystring: Filters, response: { 200: listOf(o.view) } },
      handler: async (req) => {
        const { page, perPage, ...filters } = req.query as { page?: number; perPage?: number };
        return service.list(requirePrincipal(req.ctx), filters as never, pageOf({ page, perPage }));
      },
    }),
    defineRoute({
      method: 'POST',
      url: o.url,
      access: p('create'),
      ...scoped(access, access.hooks.store(fromBody('storeId'))),
      docs: d(o.notes.create),
      schema: { body: o.create, response: { 201: dataOf(o.view) } },
      handler: async (req, reply) => reply.code(201).send({ data: await service.create(requirePrincipal(req.ctx), req.body as never) }),
    }),
    defineRoute({
      method: 'GET',
      url: `${o.url}/:id`,
      access: p('read'),
      ...one,
      docs: d(o.notes.get),
      schema: { params: IdParams, response: { 200: dataOf(o.view) } },
      handler: async (req) => ({ data: await service.get(requirePrincipal(req.ctx), req.params.id) }),
    }),
    defineRoute({
      method: 'PATCH',
      url: `${o.url}/:id`,
      access: p('update'),
      ...one,
      docs: d(o.notes.update),
      schema: { params: IdParams, body: o.update, response: { 200: dataOf(o.view) } },
      handler: async (req) => ({ data: await service.update(requirePrincipal(req.ctx), req.params.id, req.body as never) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: `${o.url}/:id`,
      access: p('delete'),
      ...one,
      docs: d(o.notes.delete),
      schema: { params: IdParams },
      handler: async (req, reply) => {
        await service.remove(requirePrincipal(req.ctx), req.params.id);
        return reply.code(204).send();
      },
    }),
  ];
}
