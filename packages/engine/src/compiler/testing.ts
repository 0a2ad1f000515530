/** A small node registry and builders for the compiler's table-driven tests. */
import type { NodeTypeSpec, WorkflowEdge, WorkflowNode } from '../definition.ts';

export const spec = (type: string, extra: Partial<NodeTypeSpec> = {}): NodeTypeSpec => ({
  type,
  displayName: type,
  category: type.split('.')[0]!,
  description: '',
  version: 1,
  configSchema: { type: 'object' },
  inputs: [{ id: 'main' }],
  outputs: [{ id: 'main' }, { id: 'error' }],
  credentialTypes: [],
  canPause: false,
  trigger: false,
  ...extra,
});

export const REGISTRY = new Map<string, NodeTypeSpec>(
  [
    spec('trigger.manual', { trigger: true, inputs: [], outputs: [{ id: 'main' }] }),
    spec('data.set'),
    spec('logic.if', { outputs: [{ id: 'true' }, { id: 'false' }, { id: 'error' }] }),
    spec('logic.switch', { outputs: [{ id: 'default' }], dynamicOutputs: { configKey: 'cases', portPrefix: 'case' } }),
    spec('logic.loop', { outputs: [{ id: 'loop' }, { id: 'done' }], allowsCycles: true }),
    spec('code.js', { rawConfigKeys: ['source'] }),
  ].map((s) => [s.type, s]),
);
export const lookup = (t: string) => REGISTRY.get(t);

export const n = (id: string, type = 'data.set', config: Record<string, unknown> = {}): WorkflowNode => ({ id, type, config });
export const e = (source: string, target: string, sourceHandle?: string, targetHandle?: string): WorkflowEdge => ({
  id: `${source}-${target}${sourceHandle ? `-${sourceHandle}` : ''}`,
  source,
  target,
  ...(sourceHandle ? { sourceHandle } : {}),
  ...(targetHandle ? { targetHandle } : {}),
});
export const T = n('t', 'trigger.manual');

