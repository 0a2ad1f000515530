/**
 * Stores: list (filtered by organization and by the caller's stores), create in an organization, read, update,
 * soft-delete (the store's catalogue, customers and orders go with it).
 */
import { randomUUID } from 'node:crypto';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors, uniqueViolation } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { cascadeStoreDelete } from '../soft-delete.repo.ts';
import { COLUMNS, toWhere } from '../sql-condition.ts';
import { changesOf, guardCreate, guardFields, recordChange, sentFields } from '../writes.ts';
import { findStore, insertStore, listStores, updateStore } from './stores.repo.ts';
import { toStoreView } from './stores.view.ts';

export interface StoreInput {
  name: string;
  slug: string;
  email?: string | undefined;
  description?: string | undefined;
  currency?: string | undefined;
}

const slugTaken = (e: unknown) => {
  if (uniqueViolation(e) !== null) throw commerceErrors.taken('slug', 'store');
  throw e;
};

export function createStoresService(d: CommerceDeps) {
  const where = async (ctx: AuthedContext, permission: string) => toWhere(await d.access.rows(ctx, permission), COLUMNS.stores);

  return {
    async list(ctx: AuthedContext, p: Page) {
      const scope = d.access.grants(ctx).scope;
      const org = scope.addressed === 'organization' ? scope.organizationId : undefined;
      const { rows, total } = await listStores(d.db, await where(ctx, 'stores:read'), p, org);
      return { data: rows.map(toStoreView), meta: listMeta(p, total) };
    },

    async create(ctx: AuthedContext, input: StoreInput & { organizationId?: string | undefined }) {
      const scope = d.access.grants(ctx).scope;
      if (scope.addressed !== 'organization') {
        throw commerceErrors.invalid('organizationId is required: you belong to several organizations (or none)', 'body.organizationId');
      }
      const organizationId = scope.organizationId;
      await guardCreate(d.access, d.audit, ctx, 'stores:create', { organizationId });
      const { organizationId: _named, ...fields } = input;
      const store = await d.db
        .transaction(async (tx) => {
          const s = await insertStore(tx, { id: randomUUID(), organizationId, ...fields });
          await recordChange(d.audit, tx, ctx, {
            action: 'commerce.store.create',
            targetType: 'store',
            targetId: s.id,
            organizationId,
            storeId: s.id,
            changes: changesOf({}, fields),
          });
          return s;
        })
        .catch(slugTaken);
      return toStoreView(store);
    },

    async get(ctx: AuthedContext, id: string) {
      const s = await findStore(d.db, id, await where(ctx, 'stores:read'));
      if (!s) throw commerceErrors.notFound('store');
      return toStoreView(s);
    },

    async update(ctx: AuthedContext, id: string, patch: Partial<StoreInput>) {
      guardFields(d.audit, ctx, { resource: 'stores', roles: d.access.grants(ctx).roles, fields: sentFields(patch), action: 'commerce.store.update', targetId: id });
      const w = await where(ctx, 'stores:update');
      const s = await d.db
        .transaction(async (tx) => {
          const before = await findStore(tx, id, w, true);
          if (!before) throw commerceErrors.notFound('store');
          const changes = changesOf(before, patch);
          if (Object.keys(changes).length === 0) return before;
          const after = (await updateStore(tx, id, w, patch))!;
          await recordChange(d.audit, tx, ctx, { action: 'commerce.store.update', targetType: 'store', targetId: id, organizationId: before.organizationId, storeId: id, changes });
          return after;
        })
        .catch(slugTaken);
      return toStoreView(s);
    },

    async remove(ctx: AuthedContext, id: string): Promise<void> {
      const w = await where(ctx, 'stores:delete');
      await d.db.transaction(async (tx) => {
        const before = await findStore(tx, id, w, true);
        if (!before) throw commerceErrors.notFound('store');
        const at = new Date();
        await updateStore(tx, id, w, { deletedAt: at });
        await cascadeStoreDelete(tx, id, at);
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.store.delete',
          targetType: 'store',
          targetId: id,
          organizationId: before.organizationId,
          storeId: id,
          changes: { deletedAt: { before: null, after: at.toISOString() } },
        });
      });
      // Its staff and customers lose it, and its scope must no longer resolve.
      await d.access.changed({ all: true });
    },
  };
}

export type StoresService = ReturnType<typeof createStoresService>;
