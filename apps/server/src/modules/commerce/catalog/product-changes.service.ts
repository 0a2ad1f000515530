/**
 * Changing a product: update fields (field-level allow-lists per role), publish, archive, soft-delete. Each change
 * runs on the row as the caller's update (or delete) condition finds it, locked, and is audited with before/after.
 */
import { productTransitionLegal, statusProblem } from '@gatehouse/policy';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { COLUMNS, toWhere } from '../sql-condition.ts';
import { changesOf, guardFields, recordChange, sentFields } from '../writes.ts';
import { findProduct, updateProduct, type ProductRow } from './products.repo.ts';
import { checkReferences, productConflict, type ProductFields } from './products.service.ts';
import { toProductView } from './products.view.ts';

export function createProductChangesService(d: CommerceDeps) {
  const where = async (ctx: AuthedContext, permission: string) => toWhere(await d.access.rows(ctx, permission), COLUMNS.products);

  async function change(ctx: AuthedContext, id: string, patch: Partial<ProductRow>, action: string, check?: (before: ProductRow) => void) {
    const w = await where(ctx, 'products:update');
    const row = await d.db
      .transaction(async (tx) => {
        const before = await findProduct(tx, id, w, true);
        if (!before) throw await d.access.missing(ctx, 'products', id, 'products:update', tx);
        check?.(before);
        const changes = changesOf(before, patch);
        if (Object.keys(changes).length === 0) return before;
        await checkReferences(tx, before.storeId, patch as ProductFields);
        const after = (await updateProduct(tx, id, w, patch))!;
        await recordChange(d.audit, tx, ctx, { action, targetType: 'product', targetId: id, organizationId: before.organizationId, storeId: before.storeId, changes });
        return after;
      })
      .catch(productConflict);
    return toProductView(row);
  }

  function setStatus(ctx: AuthedContext, id: string, to: 'PUBLISHED' | 'ARCHIVED') {
    guardFields(d.audit, ctx, { resource: 'products', roles: d.access.grants(ctx).roles, fields: ['status'], action: 'commerce.product.update', targetId: id });
    return change(ctx, id, { status: to }, to === 'PUBLISHED' ? 'commerce.product.publish' : 'commerce.product.archive', (before) => {
      if (!productTransitionLegal(before.status, to)) throw commerceErrors.productState(before.status, to);
      if (statusProblem({ status: to, price: before.price })) throw commerceErrors.priceRequired();
    });
  }

  return {
    update(ctx: AuthedContext, id: string, patch: ProductFields) {
      guardFields(d.audit, ctx, { resource: 'products', roles: d.access.grants(ctx).roles, fields: sentFields(patch), action: 'commerce.product.update', targetId: id });
      return change(ctx, id, patch as Partial<ProductRow>, 'commerce.product.update');
    },
    publish: (ctx: AuthedContext, id: string) => setStatus(ctx, id, 'PUBLISHED'),
    archive: (ctx: AuthedContext, id: string) => setStatus(ctx, id, 'ARCHIVED'),

    async remove(ctx: AuthedContext, id: string): Promise<void> {
      const w = await where(ctx, 'products:delete');
      await d.db.transaction(async (tx) => {
        const before = await findProduct(tx, id, w, true);
        if (!before) throw await d.access.missing(ctx, 'products', id, 'products:delete', tx);
        const at = new Date();
        await updateProduct(tx, id, w, { deletedAt: at });
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.product.delete',
          targetType: 'product',
          targetId: id,
          organizationId: before.organizationId,
          storeId: before.storeId,
          changes: { deletedAt: { before: null, after: at.toISOString() } },
        });
      });
    },
  };
}

export type ProductChangesService = ReturnType<typeof createProductChangesService>;
