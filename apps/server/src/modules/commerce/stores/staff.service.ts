/**
 * Store staff: change a store role, take it away. Giving one is by invitation only (invitations/). The escalation guard is the one of
 * organization members, in the store's scope: the caller must hold every permission of the role it grants, changes
 * or removes.
 */
import { missingToGrant, type CommerceGrants, type StoreRole } from '@gatehouse/policy';
import type { Tx } from '../../../db/database.ts';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { recordChange, recordDenial } from '../writes.ts';
import { deleteStaff, findStaff, listStaff, lockStore, setStaffRole } from './stores.repo.ts';
import { toStaffView, type StaffView } from './stores.view.ts';

export function createStaffService(d: CommerceDeps) {
  function guard(ctx: AuthedContext, g: CommerceGrants, role: StoreRole, targetId: string): void {
    const missing = missingToGrant(g, role);
    if (missing.length === 0) return;
    recordDenial(d.audit, ctx, { action: 'commerce.staff.role_change', code: 'ROLE_ESCALATION', targetType: 'user', targetId, details: { role, missing } });
    throw commerceErrors.escalation(role, missing);
  }

  const audit = (tx: Tx, ctx: AuthedContext, userId: string, before: string | null, after: string | null) =>
    recordChange(d.audit, tx, ctx, {
      action: 'commerce.staff.role_change',
      targetType: 'user',
      targetId: userId,
      ...d.access.store(ctx),
      changes: { role: { before, after } },
    });

  return {
    async list(_ctx: AuthedContext, storeId: string, p: Page) {
      const { rows, total } = await listStaff(d.db, storeId, p);
      return { data: rows.map(toStaffView), meta: listMeta(p, total) };
    },

    async changeRole(ctx: AuthedContext, storeId: string, userId: string, role: StoreRole): Promise<StaffView> {
      const g = d.access.grants(ctx);
      const row = await d.db.transaction(async (tx) => {
        await lockStore(tx, storeId);
        const s = await findStaff(tx, storeId, userId);
        if (!s) throw commerceErrors.notFound('staff');
        if (s.role === role) return s;
        guard(ctx, g, s.role, userId);
        guard(ctx, g, role, userId);
        await setStaffRole(tx, storeId, userId, role);
        await audit(tx, ctx, userId, s.role, role);
        return { ...s, role };
      });
      d.access.forget(ctx);
      await d.access.changed({ userIds: [userId] });
      return toStaffView(row);
    },

    async remove(ctx: AuthedContext, storeId: string, userId: string): Promise<void> {
      const g = d.access.grants(ctx);
      await d.db.transaction(async (tx) => {
        await lockStore(tx, storeId);
        const s = await findStaff(tx, storeId, userId);
        if (!s) throw commerceErrors.notFound('staff');
        guard(ctx, g, s.role, userId);
        await deleteStaff(tx, storeId, userId);
        await audit(tx, ctx, userId, s.role, null);
      });
      d.access.forget(ctx);
      await d.access.changed({ userIds: [userId] });
    },
  };
}

export type StaffService = ReturnType<typeof createStaffService>;
