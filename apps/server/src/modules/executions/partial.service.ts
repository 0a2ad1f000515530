/**
 * Partial execution: run one node of a workflow with an input given by the caller, or with the upstream outputs an
 * earlier execution recorded. Nothing else runs.
 */
import type { Engine } from '@gatehouse/engine';
import type { AuthedContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { executionErrors } from './executions.errors.ts';
import type { WorkflowSource } from './executions.service.ts';

const PARTIAL_TIMEOUT_MS = 30_000;

export function createPartialService(d: { engine: Engine; workflows: WorkflowSource; audit: AuditService }) {
  return {
    async run(ctx: AuthedContext, workflowId: string, body: { nodeId: string; input?: unknown; fromExecutionId?: string }) {
      const w = await d.workflows.snapshot(ctx.principal.userId, workflowId);
      if (!w) throw executionErrors.workflowNotFound();
      const node = w.definition.nodes.find((n) => n.id === body.nodeId);
      if (!node) throw executionErrors.nodeNotFound(body.nodeId);
      let upstream: Record<string, unknown> = {};
      let executionInput: unknown = body.input ?? null;
      let input = body.input;
      if (body.fromExecutionId) {
        const rec = await d.engine.get(body.fromExecutionId);
        // Someone else's execution is as unknown as a missing one.
        if (!rec || rec.ownerId !== ctx.principal.userId || rec.workflowId !== workflowId) throw executionErrors.notFound();
        upstream = rec.state.outputs;
        executionInput = rec.input;
        if (input === undefined) {
          const sources = w.definition.edges.filter((e) => e.target === node.id && e.source in upstream).map((e) => e.source);
          input = sources.length === 1 ? upstream[sources[0]!] : Object.fromEntries(sources.map((s) => [s, upstream[s]]));
        }
      }
      const r = await d.engine.runSingle({ ownerId: ctx.principal.userId, node, input: input ?? null, upstream, executionInput, timeoutMs: PARTIAL_TIMEOUT_MS });
      d.audit.recordLater(ctx, { action: 'execution.partial', outcome: 'error' in r ? 'failure' : 'success', targetType: 'workflow', targetId: workflowId, details: { nodeId: node.id } });
      if ('error' in r) return { nodeId: node.id, status: 'failed' as const, error: r.error, thoughts: 'thoughts' in r ? r.thoughts : [] };
      if (r.result.kind === 'wait') return { nodeId: node.id, status: 'waiting' as const, wait: r.result.wait, thoughts: r.thoughts };
      return { nodeId: node.id, status: 'succeeded' as const, output: r.result.data, ports: r.result.ports ?? null, thoughts: r.thoughts };
    },
  };
}
