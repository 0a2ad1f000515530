/**
 * The trash: delete is soft (the workflow disappears from every endpoint but the trash's), restore brings it back
 * within TRASH_RETENTION_DAYS, and after that the purge removes it with its versions for good. Between the end of
 * the retention and the next purge (an hourly sweep) a workflow is still stored, but it is no longer listed and no
 * longer restorable: the 30 days are a promise in both directions.
 */
import type { Db } from '../../db/database.ts';
import type { AuthedContext, RequestContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { TRASH_RETENTION_DAYS, trashCutoff, workflowView } from './views.ts';
import { workflowsErrors } from './workflows.errors.ts';
import { findOwnWorkflow, lockOwnWorkflow, purgeTrashedBefore, updateOwnWorkflow } from './workflows.repo.ts';

export interface TrashDeps {
  readonly db: Db;
  readonly audit: AuditService;
  /** The clock that decides what is past its retention (tests move it). */
  readonly now?: () => Date;
}

export function createTrashService(d: TrashDeps) {
  const now = d.now ?? (() => new Date());
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
        if (w.deletedAt! < trashCutoff(now())) throw workflowsErrors.trashExpired();
        const row = await updateOwnWorkflow(tx, ctx.principal.userId, id, { deletedAt: null, updatedAt: new Date() });
        await d.audit.record(tx, ctx, { action: 'workflow.undelete', outcome: 'success', targetType: 'workflow', targetId: id });
        return workflowView(row!);
      });
    },

    /**
     * Removes what has been in the trash longer than the retention, with one audit entry per workflow (no actor:
     * the system did it; the owner is the subject). Idempotent; safe on several instances at once.
     */
    async purge(ctx: RequestContext, at: Date): Promise<number> {
      return d.db.transaction(async (tx) => {
        const purged = await purgeTrashedBefore(tx, trashCutoff(at));
        for (const w of purged) {
          await d.audit.record(tx, ctx, {
            action: 'workflow.purge',
            outcome: 'success',
            actorId: null,
            subjectId: w.ownerId,
            targetType: 'workflow',
            targetId: w.id,
            details: { deletedAt: w.deletedAt?.toISOString() ?? null, retentionDays: TRASH_RETENTION_DAYS },
          });
        }
        return purged.length;
      });
    },
  };
}

export type TrashService = ReturnType<typeof createTrashService>;
