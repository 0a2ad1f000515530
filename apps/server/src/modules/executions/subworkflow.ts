/**
 * `flow.subworkflow`: runs another workflow of the same owner as a child execution and returns its output. The child
 * is a normal, persisted execution (visible in status and streams); stopping the parent stops the child.
 *
 * The wait for the child lives in this node's promise, not in the run state: if the parent's process dies, the
 * parent node runs again on recovery and starts a fresh child (nodes are at-least-once).
 */
import { NodeFailure, type Engine, type NodeHandler } from '@gatehouse/engine';
import type { ExecutionsWorkflowSource } from './executions.module.ts';
import type { OwnedEvent } from './event-hub.ts';

/** Children may start children, up to this depth: a workflow that calls itself stops here instead of forever. */
export const MAX_SUBWORKFLOW_DEPTH = 5;

export function subworkflowHandler(d: {
  engine: () => Engine;
  workflows: ExecutionsWorkflowSource;
  subscribe: (executionId: string, l: (e: OwnedEvent) => void) => () => void;
}): NodeHandler {
  const depthOf = new Map<string, number>();
  return {
    async run(ctx) {
      const workflowId = ctx.config.workflowId;
      if (typeof workflowId !== 'string') throw new NodeFailure('INVALID_CONFIG', 'flow.subworkflow needs a workflowId');
      const depth = (depthOf.get(ctx.executionId) ?? 0) + 1;
      if (depth > MAX_SUBWORKFLOW_DEPTH) throw new NodeFailure('SUBWORKFLOW_TOO_DEEP', `sub-workflows nest deeper than ${MAX_SUBWORKFLOW_DEPTH}`);
      // Only the owner's own workflows: someone else's id is as unknown as a missing one.
      const snap = await d.workflows.snapshot(ctx.ownerId, workflowId);
      if (!snap) throw new NodeFailure('SUBWORKFLOW_NOT_FOUND', `workflow ${workflowId} not found`);
      const engine = d.engine();
      const input = ctx.config.input !== undefined ? ctx.config.input : ctx.input;
      let finished!: (e: OwnedEvent) => void;
      const done = new Promise<OwnedEvent>((resolve) => (finished = resolve));
      let unsubscribe = () => {};
      const child = await engine.start({
        ownerId: ctx.ownerId,
        workflow: snap,
        input,
        mode: 'normal',
      });
      depthOf.set(child.id, depth);
      unsubscribe = d.subscribe(child.id, (e) => e.type === 'execution.finished' && finished(e));
      const onAbort = () => void engine.stop(child.id).catch(() => undefined);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      try {
        // The child may have finished before we subscribed: check once after subscribing.
        const now = await engine.get(child.id);
        const final = now && ['succeeded', 'failed', 'stopped', 'crashed'].includes(now.status) ? now : null;
        const result = final ? { status: final.status, output: final.output, error: final.error } : ((await done).data as { status: string; output?: unknown; error?: { message?: string } });
        if (result.status !== 'succeeded') {
          throw new NodeFailure('SUBWORKFLOW_FAILED', `sub-workflow ${workflowId} ended ${result.status}${result.error?.message ? `: ${result.error.message}` : ''}`);
        }
        return { kind: 'output', data: { executionId: child.id, output: result.output ?? null } };
      } finally {
        unsubscribe();
        ctx.signal.removeEventListener('abort', onAbort);
        depthOf.delete(child.id);
      }
    },
  };
}
