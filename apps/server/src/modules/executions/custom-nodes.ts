/**
 * `custom.<slug>` nodes: the owner's own node types, run by what their implementation names — an HTTP call (through
 * the egress guard), JavaScript in the sandbox, or another of the owner's workflows. The implementation is looked up
 * at run time for the run's owner, so nobody can run someone else's custom node by naming its type.
 *
 * What each implementation receives: HTTP — a POST/PUT/PATCH body `{ config, input }`; code — `$input` is
 * `{ config, input }`; workflow — the node's input as the child's input.
 */
import { NodeFailure, type NodeHandler, type NodeTypeSpec } from '@gatehouse/engine';

export function customNodeHandler(d: {
  nodeType: (type: string, ownerId: string) => Promise<NodeTypeSpec | null>;
  http: NodeHandler;
  code: NodeHandler;
  subworkflow: NodeHandler;
}): NodeHandler {
  return {
    async run(ctx) {
      const spec = await d.nodeType(ctx.nodeType, ctx.ownerId);
      const impl = spec?.implementation;
      if (!impl) throw new NodeFailure('UNKNOWN_NODE_TYPE', `no node type ${ctx.nodeType}`);
      switch (impl.kind) {
        case 'http': {
          const withBody = impl.method !== 'GET' && impl.method !== 'DELETE';
          return d.http.run({
            ...ctx,
            config: {
              method: impl.method,
              url: impl.url,
              ...(impl.headers ? { headers: impl.headers } : {}),
              ...(withBody ? { body: { config: ctx.config, input: ctx.input } } : {}),
            },
          });
        }
        case 'code':
          return d.code.run({ ...ctx, config: { source: impl.source }, input: { config: ctx.config, input: ctx.input } });
        case 'workflow':
          return d.subworkflow.run({ ...ctx, config: { workflowId: impl.workflowId } });
      }
    },
  };
}
