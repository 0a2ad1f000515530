/**
 * Human-in-the-loop: the caller's open requests, and answering one. The answer is validated against the request's
 * form schema, recorded exactly once (a second answer is a 409), then resumes the waiting node — at once, or, when the
 * run is busy on another branch, at its next node boundary.
 */
import { EngineConflict, type Engine } from '@gatehouse/engine';
import type { Db } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { executionErrors } from './executions.errors.ts';
import { answerHitl, countOpenHitl, hitlById, openHitlOf, reopenHitl, type HitlRow } from './executions.repo.ts';
import type { SchemaValidator } from './schema-validator.ts';
import { conflictFrom } from './executions.service.ts';

export const hitlView = (h: HitlRow) => ({
  id: h.id,
  executionId: h.executionId,
  nodeId: h.nodeId,
  prompt: h.prompt,
  formSchema: h.formSchema ?? null,
  status: h.status,
  timeoutAt: h.timeoutAt?.toISOString() ?? null,
  createdAt: h.createdAt.toISOString(),
});

export function createHitlService(d: { db: Db; engine: Engine; audit: AuditService; validator: SchemaValidator }) {
  return {
    async pending(ctx: AuthedContext, page: { page: number; perPage: number }) {
      const [rows, total] = await Promise.all([openHitlOf(d.db, ctx.principal.userId, page), countOpenHitl(d.db, ctx.principal.userId)]);
      return { data: rows.map(hitlView), meta: { ...page, total } };
    },

    async ownerOf(id: string) {
      const h = await hitlById(d.db, id);
      return h ? { ownerId: h.ownerId } : null;
    },

    async respond(ctx: AuthedContext, id: string, body: { decision: 'approved' | 'rejected'; data?: unknown }) {
      const h = await hitlById(d.db, id);
      if (!h || h.ownerId !== ctx.principal.userId) throw executionErrors.hitlNotFound();
      if (h.status !== 'open') throw executionErrors.alreadyAnswered(h.status);
      if (h.formSchema && body.decision === 'approved') {
        const problems = d.validator.validate(h.formSchema as Record<string, unknown>, body.data ?? null);
        if (problems.length > 0) throw executionErrors.invalidResponse(problems);
      }
      // Claim the answer first: of two concurrent answers exactly one passes this line. The answered row is the
      // durable record of the answer: the engine reads it back if the run cannot take it right now.
      const won = await d.db.transaction((tx) => answerHitl(tx, id, body.decision, body.data));
      if (!won) throw executionErrors.alreadyAnswered('answered');
      try {
        // Accepted whatever the run's status while the node waits: a run still running (a parallel branch) takes it
        // at its next boundary.
        await d.engine.respond(h.executionId, h.nodeId, { decision: body.decision, data: body.data ?? null }, h.stepId);
      } catch (e) {
        // A conflict means the node no longer waits (the run ended, or the wait timed out meanwhile): the answer
        // stays recorded and the request closed; nothing reopens it. On any other failure the answer was not taken:
        // the request goes back to open so it can be given again. A failed respond never cancels a request.
        if (!(e instanceof EngineConflict)) await d.db.transaction((tx) => reopenHitl(tx, id));
        conflictFrom(e);
      }
      d.audit.recordLater(ctx, { action: 'hitl.respond', outcome: 'success', targetType: 'hitl', targetId: id, details: { decision: body.decision, executionId: h.executionId } });
      return { id, executionId: h.executionId, decision: body.decision, status: 'answered' as const };
    },
  };
}

export type HitlService = ReturnType<typeof createHitlService>;
