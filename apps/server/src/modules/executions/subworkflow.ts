/**
 * `flow.subworkflow`: runs another workflow of the same owner as a child execution. The child is a normal, persisted
 * execution (visible in status and streams).
 *
 * With `waitForCompletion` (the default) the node does not hold its worker slot while the child runs: it starts the
 * child and waits on it like on a person or a timer (the parent goes `waiting`), and the engine runs it again with the
 * child's result when the child ends — so parents waiting on children can never take every slot and starve the
 * children they wait for. Stopping the parent stops the child. Without `waitForCompletion` the node outputs the
 * child's id at once and the child runs on its own.
 *
 * Output: `{ executionId, output }` (waiting), `{ executionId, status: 'queued' }` (not waiting). A child that ends in
 * anything but `succeeded` fails the node with SUBWORKFLOW_FAILED.
 */
import { NodeFailure, type Engine, type NodeHandler } from '@gatehouse/engine';
import type { ExecutionsWorkflowSource } from './executions.module.ts';

/** Children may start children, up to this depth: a workflow that calls itself stops here instead of forever. */
export const MAX_SUBWORKFLOW_DEPTH = 5;

interface ChildEnd {
  readonly executionId: string;
  readonly status: string;
  readonly output?: unknown;
  readonly error?: { readonly message?: string } | null;
}

export function subworkflowHandler(d: { engine: () => Engine; workflows: ExecutionsWorkflowSource }): NodeHandler {
  return {
    async run(ctx) {
      const workflowId = ctx.config.workflowId;
      if (ctx.resume) {
        const end = ctx.resume.data as ChildEnd;
        if (end.status !== 'succeeded') {
          throw new NodeFailure('SUBWORKFLOW_FAILED', `sub-workflow ${String(workflowId)} ended ${end.status}${end.error?.message ? `: ${end.error.message}` : ''}`);
        }
        return { kind: 'output', data: { executionId: end.executionId, output: end.output ?? null } };
      }
      if (typeof workflowId !== 'string') throw new NodeFailure('INVALID_CONFIG', 'flow.subworkflow needs a workflowId');
      const version = ctx.config.version;
      if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version) || version < 1)) {
        throw new NodeFailure('INVALID_CONFIG', 'flow.subworkflow version must be a positive integer');
      }
      const engine = d.engine();
      const depth = engine.depthOf(ctx.executionId) + 1;
      if (depth > MAX_SUBWORKFLOW_DEPTH) throw new NodeFailure('SUBWORKFLOW_TOO_DEEP', `sub-workflows nest deeper than ${MAX_SUBWORKFLOW_DEPTH}`);
      // Only the owner's own workflows: someone else's id is as unknown as a missing one.
      const snap = await d.workflows.snapshot(ctx.ownerId, workflowId, version);
      if (!snap) throw new NodeFailure('SUBWORKFLOW_NOT_FOUND', `workflow ${workflowId}${version ? ` version ${version}` : ''} not found`);
      const wait = ctx.config.waitForCompletion !== false;
      const child = await engine.start({
        ownerId: ctx.ownerId,
        workflow: snap,
        input: ctx.config.input !== undefined ? ctx.config.input : ctx.input,
        mode: 'normal',
        parent: { executionId: ctx.executionId, nodeId: ctx.nodeId, stepId: ctx.stepId, notify: wait },
      });
      if (!wait) return { kind: 'output', data: { executionId: child.id, status: child.status } };
      return { kind: 'wait', wait: { kind: 'execution', executionId: child.id } };
    },
  };
}
