/**
 * The trash: delete is soft (the workflow disappears from every endpoint but the trash's), restore brings it back,
 * and after TRASH_RETENTION_DAYS the purge removes it with its versions for good.
 */
import type { Db } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { trashCutoff, workflowView } from './views.ts';
import { workflowsErrors } from './workflows.errors.ts';
import { findOwnWorkflow, lockOwnWorkflow, purgeTrashedBefore, updateOwnWorkflow } from './workflows.repo.ts';

export function createTrashService(d: { db: Db; audit: AuditService }) {
  return {
    async remove(ctx: AuthedContext, id: string): Promise<void> {
      await d.db.transaction(async (tx) => {
        const head = await lockOwnWorkflow(tx, ctx.principal.userId, id);
        if (!head) throw workflowsErrors.notFound();
        await updateOwnWorkflow(tx, ctx.principal.userId, id, { deletedAt: new Date() });
        await d.audit.record(tx, ctx, { action: 'workflow.delete', outcome: 'success', targetType: 'workflow', targetId: id, details: { version: head.version } });
      });
    },

    async restore(ctx: AuthedContext, id: string) {
      return d.db.transaction(async (tx) => {
        const w = await findOwnWorkflow(tx, ctx.principal.userId, id, 'trashed');
        if (!w) throw (await findOwnWorkflow(tx, ctx.principal.userId, id)) ? workflowsErrors.notInTrash() : workflowsErrors.notFound();
        const row = await updateOwnWorkflow(tx, ctx.principal.userId, id, { deletedAt: null, updatedAt: new Date() });
        await d.audit.record(tx, ctx, { action: 'workflow.undelete', outcome: 'success', targetType: 'workflow', targetId: id });
        return workflowView(row!);
      });
    },

    /** Removes what has been in the trash longer than the retention. Idempotent; safe on several instances at once. */
    async purge(now: Date): Promise<number> {
      return purgeTrashedBefore(d.db, trashCutoff(now));
    },
  };
}

export type TrashService = ReturnType<typeof createTrashService>;
