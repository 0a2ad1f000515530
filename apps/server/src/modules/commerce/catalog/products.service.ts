/**
 * Products: list (filters and pagination over the caller's rows), read, create in a store.
 * Updates, publish/archive and delete are in product-changes.service.ts.
 */
import { randomUUID } from 'node:crypto';
import { statusProblem } from '@gatehouse/policy';
import type { AuthedContext } from '../../../http/context.ts';
import type { Tx } from '../../../db/database.ts';
import { commerceErrors, uniqueViolation } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { COLUMNS, toWhere } from '../sql-condition.ts';
import { changesOf, guardCreate, guardFields, recordChange, sentFields } from '../writes.ts';
import { freeSlug, storeCurrency } from './catalog.repo.ts';
import { findProduct, insertProduct, listProducts, liveInStore, type ProductFilters, type ProductRow } from './products.repo.ts';
import { slugify, toProductView } from './products.view.ts';

export interface ProductFields {
  name?: string | undefined;
  slug?: string | undefined;
  sku?: string | undefined;
  description?: string | undefined;
  price?: number | undefined;
  compareAtPrice?: number | null | undefined;
  currency?: string | undefined;
  inventoryQuantity?: number | undefined;
  categoryId?: string | null | undefined;
  brandId?: string | null | undefined;
}
export type NewProductInput = ProductFields & { storeId: string; name: string; sku: string; status?: ProductRow['status'] | undefined };

/** Unique violations on products name the field that clashed. */
export function productConflict(e: unknown): never {
  const c = uniqueViolation(e);
  if (c !== null) throw commerceErrors.taken(c.includes('slug') ? 'slug' : 'sku', 'product');
  throw e;
}

/** Category and brand must be live rows of the product's own store. */
export async function checkReferences(tx: Tx, storeId: string, f: ProductFields): Promise<void> {
  for (const kind of ['category', 'brand'] as const) {
    const id = kind === 'category' ? f.categoryId : f.brandId;
    if (id && !(await liveInStore(tx, kind, id, storeId))) {
      throw commerceErrors.unprocessable('INVALID_REFERENCE', `No such ${kind} in this store`, `body.${kind}Id`);
    }
  }
}

export function createProductsService(d: CommerceDeps) {
  const where = async (ctx: AuthedContext, permission: string) => toWhere(await d.access.rows(ctx, permission), COLUMNS.products);

  return {
    async list(ctx: AuthedContext, filters: ProductFilters, p: Page) {
      const { rows, total } = await listProducts(d.db, await where(ctx, 'products:read'), filters, p);
      return { data: rows.map(toProductView), meta: listMeta(p, total) };
    },

    async get(ctx: AuthedContext, id: string) {
      const row = await findProduct(d.db, id, await where(ctx, 'products:read'));
      if (!row) throw await d.access.missing(ctx, 'products', id, 'products:read');
      return toProductView(row);
    },

    async create(ctx: AuthedContext, input: NewProductInput) {
      const { organizationId, storeId } = d.access.store(ctx);
      // Creating sets the same fields an update would: a role that may not change the price may not set one either.
      guardFields(d.audit, ctx, { resource: 'products', roles: d.access.grants(ctx).roles, fields: sentFields(input, ['storeId']), action: 'commerce.product.create' });
      const status = input.status ?? 'DRAFT';
      // A role that may not write prices creates unpriced products, and nothing unpriced is published.
      if (statusProblem({ status, price: input.price ?? null })) throw commerceErrors.priceRequired();
      await guardCreate(d.access, d.audit, ctx, 'products:create', { organizationId, storeId, status });
      const { storeId: _s, ...fields } = input;
      const row = await d.db
        .transaction(async (tx) => {
          await checkReferences(tx, storeId, fields);
          const currency = fields.currency ?? (await storeCurrency(tx, storeId));
          const p = await insertProduct(tx, { ...fields, id: randomUUID(), organizationId, storeId, slug: fields.slug ?? (await freeSlug(tx, 'product', storeId, slugify(fields.name))), currency, status });
          await recordChange(d.audit, tx, ctx, {
            action: 'commerce.product.create',
            targetType: 'product',
            targetId: p.id,
            organizationId,
            storeId,
            changes: changesOf({}, { name: p.name, sku: p.sku, price: p.price, compareAtPrice: p.compareAtPrice, status: p.status }),
          });
          return p;
        })
        .catch(productConflict);
      return toProductView(row);
    },
  };
}

export type ProductsService = ReturnType<typeof createProductsService>;
