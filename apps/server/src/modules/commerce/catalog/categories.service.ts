/**
 * Categories: a tree per store (parent in the same store, no cycles). Follow the Products column of the matrix.
 */
import { randomUUID } from 'node:crypto';
import type { Tx } from '../../../db/database.ts';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors, uniqueViolation } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { COLUMNS, toWhere } from '../sql-condition.ts';
import { changesOf, guardCreate, guardFields, recordChange, sentFields } from '../writes.ts';
import { findCategory, hasLiveChildren, insertCategory, listCategories, parentOf, updateCategory, type CategoryFilters } from './categories.repo.ts';
import { freeSlug } from './catalog.repo.ts';
import { slugify } from './products.view.ts';
import { toCategoryView } from './taxonomy.view.ts';

export interface CategoryFields {
  name?: string | undefined;
  slug?: string | undefined;
  description?: string | undefined;
  parentId?: string | null | undefined;
}

const MAX_DEPTH = 32;

const slugTaken = (e: unknown): never => {
  if (uniqueViolation(e) !== null) throw commerceErrors.taken('slug', 'category');
  throw e;
};

/** The parent must be a live category of the same store, and not the category itself or one of its descendants. */
async function checkParent(tx: Tx, storeId: string, parentId: string, self?: string): Promise<void> {
  let at: string | null | undefined = parentId;
  for (let depth = 0; at; depth++) {
    if (at === self || depth > MAX_DEPTH) throw commerceErrors.unprocessable('CATEGORY_CYCLE', 'A category cannot be its own ancestor', 'body.parentId');
    const next: string | null | undefined = await parentOf(tx, at, storeId);
    if (next === undefined) throw commerceErrors.unprocessable('INVALID_REFERENCE', 'No such category in this store', 'body.parentId');
    at = next;
  }
}

export function createCategoriesService(d: CommerceDeps) {
  const where = async (ctx: AuthedContext, permission: string) => toWhere(await d.access.rows(ctx, permission), COLUMNS.categories);

  return {
    async list(ctx: AuthedContext, f: CategoryFilters, p: Page) {
      const { rows, total } = await listCategories(d.db, await where(ctx, 'categories:read'), f, p);
      return { data: rows.map(toCategoryView), meta: listMeta(p, total) };
    },

    async get(ctx: AuthedContext, id: string) {
      const c = await findCategory(d.db, id, await where(ctx, 'categories:read'));
      if (!c) throw await d.access.missing(ctx, 'categories', id, 'categories:read');
      return toCategoryView(c);
    },

    async create(ctx: AuthedContext, input: CategoryFields & { storeId: string; name: string }) {
      const { organizationId, storeId } = d.access.store(ctx);
      await guardCreate(d.access, d.audit, ctx, 'categories:create', { organizationId, storeId });
      const { storeId: _s, ...fields } = input;
      const row = await d.db
        .transaction(async (tx) => {
          if (fields.parentId) await checkParent(tx, storeId, fields.parentId);
          const c = await insertCategory(tx, { ...fields, id: randomUUID(), organizationId, storeId, slug: fields.slug ?? (await freeSlug(tx, 'category', storeId, slugify(fields.name))) });
          await recordChange(d.audit, tx, ctx, { action: 'commerce.category.create', targetType: 'category', targetId: c.id, organizationId, storeId, changes: changesOf({}, fields) });
          return c;
        })
        .catch(slugTaken);
      return toCategoryView(row);
    },

    async update(ctx: AuthedContext, id: string, patch: CategoryFields) {
      guardFields(d.audit, ctx, { resource: 'categories', roles: d.access.grants(ctx).roles, fields: sentFields(patch), action: 'commerce.category.update', targetId: id });
      const w = await where(ctx, 'categories:update');
      const row = await d.db
        .transaction(async (tx) => {
          const before = await findCategory(tx, id, w, true);
          if (!before) throw await d.access.missing(ctx, 'categories', id, 'categories:update', tx);
          const changes = changesOf(before, patch);
          if (Object.keys(changes).length === 0) return before;
          if (patch.parentId) await checkParent(tx, before.storeId, patch.parentId, id);
          const after = (await updateCategory(tx, id, w, patch))!;
          await recordChange(d.audit, tx, ctx, { action: 'commerce.category.update', targetType: 'category', targetId: id, organizationId: before.organizationId, storeId: before.storeId, changes });
          return after;
        })
        .catch(slugTaken);
      return toCategoryView(row);
    },

    async remove(ctx: AuthedContext, id: string): Promise<void> {
      const w = await where(ctx, 'categories:delete');
      await d.db.transaction(async (tx) => {
        const before = await findCategory(tx, id, w, true);
        if (!before) throw await d.access.missing(ctx, 'categories', id, 'categories:delete', tx);
        // Orphaned subcategories would vanish from every tree walk; the caller moves or deletes them first.
        if (await hasLiveChildren(tx, id)) throw commerceErrors.unprocessable('CATEGORY_HAS_CHILDREN', 'Move or delete the subcategories first');
        const at = new Date();
        await updateCategory(tx, id, w, { deletedAt: at });
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.category.delete',
          targetType: 'category',
          targetId: id,
          organizationId: before.organizationId,
          storeId: before.storeId,
          changes: { deletedAt: { before: null, after: at.toISOString() } },
        });
      });
    },
  };
}

export type CategoriesService = ReturnType<typeof createCategoriesService>;
