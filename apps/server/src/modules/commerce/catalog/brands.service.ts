/** Brands of a store. Follow the Products column of the matrix. */
import { randomUUID } from 'node:crypto';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors, uniqueViolation } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { COLUMNS, toWhere } from '../sql-condition.ts';
import { changesOf, guardCreate, guardFields, recordChange, sentFields } from '../writes.ts';
import { findBrand, insertBrand, listBrands, updateBrand } from './brands.repo.ts';
import { freeSlug } from './catalog.repo.ts';
import { slugify } from './products.view.ts';
import { toBrandView } from './taxonomy.view.ts';

export interface BrandFields {
  name?: string | undefined;
  slug?: string | undefined;
  description?: string | undefined;
  website?: string | null | undefined;
}

const slugTaken = (e: unknown): never => {
  if (uniqueViolation(e) !== null) throw commerceErrors.taken('slug', 'brand');
  throw e;
};

export function createBrandsService(d: CommerceDeps) {
  const where = async (ctx: AuthedContext, permission: string) => toWhere(await d.access.rows(ctx, permission), COLUMNS.brands);

  return {
    async list(ctx: AuthedContext, f: { storeId?: string | undefined; q?: string | undefined }, p: Page) {
      const { rows, total } = await listBrands(d.db, await where(ctx, 'brands:read'), f, p);
      return { data: rows.map(toBrandView), meta: listMeta(p, total) };
    },

    async get(ctx: AuthedContext, id: string) {
      const b = await findBrand(d.db, id, await where(ctx, 'brands:read'));
      if (!b) throw await d.access.missing(ctx, 'brands', id, 'brands:read');
      return toBrandView(b);
    },

    async create(ctx: AuthedContext, input: BrandFields & { storeId: string; name: string }) {
      const { organizationId, storeId } = d.access.store(ctx);
      await guardCreate(d.access, d.audit, ctx, 'brands:create', { organizationId, storeId });
      const { storeId: _s, ...fields } = input;
      const row = await d.db
        .transaction(async (tx) => {
          const b = await insertBrand(tx, { ...fields, id: randomUUID(), organizationId, storeId, slug: fields.slug ?? (await freeSlug(tx, 'brand', storeId, slugify(fields.name))) });
          await recordChange(d.audit, tx, ctx, { action: 'commerce.brand.create', targetType: 'brand', targetId: b.id, organizationId, storeId, changes: changesOf({}, fields) });
          return b;
        })
        .catch(slugTaken);
      return toBrandView(row);
    },

    async update(ctx: AuthedContext, id: string, patch: BrandFields) {
      guardFields(d.audit, ctx, { resource: 'brands', roles: d.access.grants(ctx).roles, fields: sentFields(patch), action: 'commerce.brand.update', targetId: id });
      const w = await where(ctx, 'brands:update');
      const row = await d.db
        .transaction(async (tx) => {
          const before = await findBrand(tx, id, w, true);
          if (!before) throw await d.access.missing(ctx, 'brands', id, 'brands:update', tx);
          const changes = changesOf(before, patch);
          if (Object.keys(changes).length === 0) return before;
          const after = (await updateBrand(tx, id, w, patch))!;
          await recordChange(d.audit, tx, ctx, { action: 'commerce.brand.update', targetType: 'brand', targetId: id, organizationId: before.organizationId, storeId: before.storeId, changes });
          return after;
        })
        .catch(slugTaken);
      return toBrandView(row);
    },

    async remove(ctx: AuthedContext, id: string): Promise<void> {
      const w = await where(ctx, 'brands:delete');
      await d.db.transaction(async (tx) => {
        const before = await findBrand(tx, id, w, true);
        if (!before) throw await d.access.missing(ctx, 'brands', id, 'brands:delete', tx);
        const at = new Date();
        await updateBrand(tx, id, w, { deletedAt: at });
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.brand.delete',
          targetType: 'brand',
          targetId: id,
          organizationId: before.organizationId,
          storeId: before.storeId,
          changes: { deletedAt: { before: null, after: at.toISOString() } },
        });
      });
    },
  };
}

export type BrandsService = ReturnType<typeof createBrandsService>;
