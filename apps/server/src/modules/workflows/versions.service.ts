/**
 * Version history: list, named snapshots and restore. History is append-only: a snapshot is a new version that
 * names the current content, a restore is a new version that repeats an old one; no version is ever changed.
 */
import type { Db } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { appendVersion, baseVersionOf, checkBase } from './versioning.ts';
import { versionView, workflowView } from './views.ts';
import { workflowsErrors } from './workflows.errors.ts';
import { findOwnVersion, findOwnWorkflow, listOwnVersions, lockOwnWorkflow } from './workflows.repo.ts';

export function createVersionsService(d: { db: Db; audit: AuditService }) {
  return {
    async list(ctx: AuthedContext, id: string, page: { page: number; perPage: number }) {
      const w = await findOwnWorkflow(d.db, ctx.principal.userId, id);
      if (!w) throw workflowsErrors.notFound();
      const rows = await listOwnVersions(d.db, ctx.principal.userId, id, { limit: page.perPage, offset: (page.page - 1) * page.perPage });
      // Versions are numbered 1..n without gaps and never removed one by one, so the latest number is the count.
      return { data: rows.map(versionView), meta: { ...page, total: w.version } };
    },

    async snapshot(ctx: AuthedContext, id: string, rawLabel: string) {
      const label = rawLabel.trim();
      if (label === '') throw workflowsErrors.blankName('body.label');
      return d.db.transaction(async (tx) => {
        const head = await lockOwnWorkflow(tx, ctx.principal.userId, id);
        if (!head) throw workflowsErrors.notFound();
        const { version } = await appendVersion(tx, ctx, head, { definition: head.definition, settings: head.settings, hash: head.contentHash }, { kind: 'snapshot', label });
        await d.audit.record(tx, ctx, { action: 'workflow.snapshot', outcome: 'success', targetType: 'workflow', targetId: id, details: { version: version.version, label: version.label } });
        return versionView(version);
      });
    },

    /** A new version equal to version `v`. An If-Match, when sent, is checked like a PUT's. */
    async restore(ctx: AuthedContext, id: string, v: number, ifMatch?: string) {
      const base = baseVersionOf(ifMatch, undefined, false);
      return d.db.transaction(async (tx) => {
        const head = await lockOwnWorkflow(tx, ctx.principal.userId, id);
        if (!head) throw workflowsErrors.notFound();
        checkBase(head, base);
        const old = await findOwnVersion(tx, ctx.principal.userId, id, v);
        if (!old) throw workflowsErrors.versionNotFound(v);
        const { head: row } = await appendVersion(tx, ctx, head, { definition: old.definition, settings: old.settings, hash: old.contentHash }, { kind: 'restore', restoredFrom: v });
        await d.audit.record(tx, ctx, { action: 'workflow.restore_version', outcome: 'success', targetType: 'workflow', targetId: id, details: { version: row.version, restoredFrom: v } });
        return workflowView(row);
      });
    },
  };
}

export type VersionsService = ReturnType<typeof createVersionsService>;
