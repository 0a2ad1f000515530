/**
 * The SUPER_ADMIN trash: soft-deleted rows of every commerce table, and restoring them. Restoring an organization or
 * a store brings back what was deleted with it (same timestamp); a row whose organization or store is still deleted
 * cannot come back on its own, nor a product whose category or brand is, nor a category whose parent is (restore
 * that first), and neither can one whose slug, sku or email a live row took meanwhile.
 */
import type { AuthedContext } from '../../../http/context.ts';
import { AppError } from '../../../http/errors.ts';
import { commerceErrors, uniqueViolation } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { cascadeOrganizationRestore, cascadeStoreRestore } from '../soft-delete.repo.ts';
import { recordChange, targetTypeOf } from '../writes.ts';
import { deletedParent, findDeleted, listTrash, undelete, type TrashRow, type TrashType } from './trash.repo.ts';

const view = (type: TrashType, r: TrashRow) => ({
  type,
  id: r.id,
  organizationId: r.organizationId,
  storeId: r.storeId,
  label: r.label,
  deletedAt: r.deletedAt.toISOString(),
});

export function createTrashService(d: CommerceDeps) {
  return {
    async list(_ctx: AuthedContext, type: TrashType, f: { organizationId?: string | undefined; storeId?: string | undefined }, p: Page) {
      const { rows, total } = await listTrash(d.db, type, f, p);
      return { data: rows.map((r) => view(type, r)), meta: listMeta(p, total) };
    },

    async restore(ctx: AuthedContext, type: TrashType, id: string) {
      const row = await d.db
        .transaction(async (tx) => {
          const r = await findDeleted(tx, type, id);
          if (!r) throw commerceErrors.notFound(targetTypeOf(type) as 'product');
          const parent = await deletedParent(tx, r, type);
          if (parent) throw new AppError('conflict', 'PARENT_DELETED', `Its ${parent.kind} is deleted: restore that first.`, parent);
          await undelete(tx, type, id);
          if (type === 'organizations') await cascadeOrganizationRestore(tx, id, r.deletedAt);
          if (type === 'stores') await cascadeStoreRestore(tx, id, r.deletedAt);
          await recordChange(d.audit, tx, ctx, {
            action: `commerce.${targetTypeOf(type)}.restore`,
            targetType: targetTypeOf(type),
            targetId: id,
            organizationId: r.organizationId,
            storeId: r.storeId,
            changes: { deletedAt: { before: r.deletedAt.toISOString(), after: null } },
          });
          return r;
        })
        .catch((e: unknown) => {
          if (uniqueViolation(e) !== null) throw commerceErrors.restoreConflict();
          throw e;
        });
      // Restoring an organization, a store or a linked customer gives roles back.
      if (type === 'organizations' || type === 'stores' || type === 'customers') await d.access.changed({ all: true });
      return { ...view(type, row), deletedAt: null };
    },
  };
}

export type TrashService = ReturnType<typeof createTrashService>;
