/**
 * Execution control for the owner: start (normal or test), status, pause, resume, stop, thoughts.
 * The engine does the running; this layer checks the workflow compiles, validates input, and maps engine
 * conflicts onto 409s that name the current status.
 */
import { EngineConflict, type Engine, type Problem, type WorkflowSnapshot } from '@gatehouse/engine';
import type { Db } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { executionErrors } from './executions.errors.ts';
import { eventsOfType, stepsOf } from './executions.repo.ts';
import type { SchemaValidator } from './schema-validator.ts';

/** What executions need from the workflows module (wired in the container). */
export interface WorkflowSource {
  /** The owner's workflow at its latest version (or the given one); null if missing, deleted or not theirs. */
  snapshot(ownerId: string, workflowId: string, version?: number): Promise<WorkflowSnapshot | null>;
  /** Static validation with the owner's node types. */
  problems(ownerId: string, snapshot: WorkflowSnapshot): Promise<readonly Problem[]>;
}

export interface ExecutionsServiceDeps {
  readonly db: Db;
  readonly engine: Engine;
  readonly workflows: WorkflowSource;
  readonly audit: AuditService;
  readonly validator: SchemaValidator;
}

export function conflictFrom(e: unknown): never {
  if (e instanceof EngineConflict) throw executionErrors.conflict(e.message, e.status);
  throw e;
}

export function createExecutionsService(d: ExecutionsServiceDeps) {
  async function runnable(ctx: AuthedContext, workflowId: string, loaded?: WorkflowSnapshot) {
    const w = loaded ?? (await d.workflows.snapshot(ctx.principal.userId, workflowId));
    if (!w) throw executionErrors.workflowNotFound();
    const errors = (await d.workflows.problems(ctx.principal.userId, w)).filter((p) => p.severity === 'error');
    // A workflow that does not compile never gets an execution row.
    if (errors.length > 0) throw executionErrors.doesNotCompile(errors);
    return w;
  }

  function checkInput(w: WorkflowSnapshot, input: unknown, entry?: string): void {
    const trigger = w.definition.nodes.find((n) => (entry ? n.id === entry : n.type.startsWith('trigger.')));
    const schema = trigger?.config.inputSchema;
    if (schema && typeof schema === 'object') {
      // The execute body's field is `input`: problems point there.
      const problems = d.validator.validate(schema as Record<string, unknown>, input, 'input');
      if (problems.length > 0) throw executionErrors.invalidInput(problems);
    }
  }

  return {
    /** `loaded`: the latest version, when the route's access check already read it (one query, not two). */
    async execute(ctx: AuthedContext, workflowId: string, input: unknown, mode: 'normal' | 'test' = 'normal', loaded?: WorkflowSnapshot) {
      const w = await runnable(ctx, workflowId, loaded);
      checkInput(w, input);
      const rec = await d.engine.start({ ownerId: ctx.principal.userId, workflow: w, input, mode });
      d.audit.recordLater(ctx, { action: mode === 'test' ? 'execution.test' : 'execution.start', outcome: 'success', targetType: 'execution', targetId: rec.id, details: { workflowId, version: w.version } });
      return { executionId: rec.id, status: rec.status, workflowId, version: w.version, mode };
    },

    async status(_ctx: AuthedContext, id: string) {
      const rec = await d.engine.get(id);
      if (!rec) throw executionErrors.notFound();
      const steps = await stepsOf(d.db, id);
      return {
        id: rec.id,
        workflowId: rec.workflowId,
        version: rec.version,
        mode: rec.mode,
        status: rec.status,
        input: rec.input ?? null,
        output: rec.output ?? null,
        error: rec.error ?? null,
        pauseRequested: rec.pauseRequested,
        createdAt: rec.createdAt,
        startedAt: rec.startedAt ?? null,
        finishedAt: rec.finishedAt ?? null,
        steps: steps.map((s) => ({
          stepId: s.stepId,
          nodeId: s.nodeId,
          status: s.status,
          attempt: s.attempt,
          input: s.input ?? null,
          output: s.output ?? null,
          error: s.error ?? null,
          startedAt: s.startedAt?.toISOString() ?? null,
          finishedAt: s.finishedAt?.toISOString() ?? null,
          durationMs: s.startedAt && s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : null,
        })),
      };
    },

    async control(ctx: AuthedContext, id: string, action: 'pause' | 'resume' | 'stop') {
      const status = await d.engine[action](id).catch(conflictFrom);
      d.audit.recordLater(ctx, { action: `execution.${action}`, outcome: 'success', targetType: 'execution', targetId: id });
      return { id, status, requested: action };
    },

    async thoughts(_ctx: AuthedContext, id: string) {
      const rows = await eventsOfType(d.db, id, 'thought');
      return rows.map((r) => {
        const t = r.data as { stepId: string; nodeId: string; kind: string; content: string; at?: string };
        return { stepId: t.stepId, nodeId: t.nodeId, kind: t.kind, content: t.content, at: t.at ?? r.at.toISOString() };
      });
    },
  };
}

export type ExecutionsService = ReturnType<typeof createExecutionsService>;
