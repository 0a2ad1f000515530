import { Type } from 'typebox';
import { scopedPermission } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../../http/route.ts';
import { requirePrincipal } from '../../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../../http/pagination.ts';
import { fromBody, fromQuery, type CommerceAccess } from '../access.ts';
import { Currency, IdParams, Money, Name, Nullable, Slug, Text, Uuid, docs, scoped, strict } from '../routing.ts';
import type { ProductChangesService } from './product-changes.service.ts';
import type { ProductsService } from './products.service.ts';
import { ProductStatus, ProductView } from './products.view.ts';

const d = (notes: string) => docs('Products', notes);
const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
const fields = {
  slug: Type.Optional(Slug),
  description: Type.Optional(Text),
  price: Type.Optional(Money),
  compareAtPrice: Type.Optional(Nullable(Money)),
  currency: Type.Optional(Currency),
  inventoryQuantity: Type.Optional(Stock),
  categoryId: Type.Optional(Nullable(Uuid)),
  brandId: Type.Optional(Nullable(Uuid)),
};
const Create = Type.Object({ storeId: Uuid, name: Name, sku: Sku, status: Type.Optional(ProductStatus), ...fields }, strict);
const Patch = Type.Object({ name: Type.Optional(Name), sku: Type.Optional(Sku), ...fields }, strict);
const Filters = Type.Object(
  {
    ...PageQuery,
    storeId: Type.Optional(Uuid),
    status: Type.Optional(ProductStatus),
    categoryId: Type.Optional(Uuid),
    brandId: Type.Optional(Uuid),
    minPrice: Type.Optional(Money),
    maxPrice: Type.Optional(Money),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  strict,
);

export function productsRoutes(access: CommerceAccess, products: ProductsService, changes: ProductChangesService): RouteSpec[] {
  const one = scoped(access, access.hooks.object('products'));
  const update = (action: 'publish' | 'archive', notes: string) =>
    defineRoute({
      method: 'POST',
      url: `/api/products/:id/${action}`,
      access: scopedPermission('products:update'),
      ...one,
      docs: d(notes),
      schema: { params: IdParams, response: { 200: dataOf(ProductView) } },
      handler: async (req) => ({ data: await changes[action](requirePrincipal(req.ctx), req.params.id) }),
    });
  return [
    defineRoute({
      method: 'GET',
      url: '/api/products',
      access: scopedPermission('products:read'),
      ...scoped(access, access.hooks.store(fromQuery('storeId'))),
      docs: d('List products with filters (`storeId`, `status`, `categoryId`, `brandId`, `minPrice`, `maxPrice`, `q` on name or sku); CUSTOMER: published only'),
      schema: { querystring: Filters, response: { 200: listOf(ProductView) } },
      handler: async (req) => {
        const { page, perPage, ...filters } = req.query;
        return products.list(requirePrincipal(req.ctx), filters, pageOf({ page, perPage }));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/products',
      access: scopedPermission('products:create'),
      ...scoped(access, access.hooks.store(fromBody('storeId'))),
      docs: d('Create new product (fields limited by role, as for updates)'),
      schema: { body: Create, response: { 201: dataOf(ProductView) } },
      handler: async (req, reply) => reply.code(201).send({ data: await products.create(requirePrincipal(req.ctx), req.body) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/products/:id',
      access: scopedPermission('products:read'),
      ...one,
      docs: d('Get product details; a product of a store out of the caller’s reach: 404; CUSTOMER: published only'),
      schema: { params: IdParams, response: { 200: dataOf(ProductView) } },
      handler: async (req) => ({ data: await products.get(requirePrincipal(req.ctx), req.params.id) }),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/products/:id',
      access: scopedPermission('products:update'),
      ...one,
      docs: d('Update product (field-level: e.g. SALES_MANAGER prices only, INVENTORY_MANAGER not prices)'),
      schema: { params: IdParams, body: Patch, response: { 200: dataOf(ProductView) } },
      handler: async (req) => ({ data: await changes.update(requirePrincipal(req.ctx), req.params.id, req.body) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/products/:id',
      access: scopedPermission('products:delete'),
      ...one,
      docs: d('Delete product (soft delete)'),
      schema: { params: IdParams },
      handler: async (req, reply) => {
        await changes.remove(requirePrincipal(req.ctx), req.params.id);
        return reply.code(204).send();
      },
    }),
    update('publish', 'Publish product'),
    update('archive', 'Archive product'),
  ];
}
