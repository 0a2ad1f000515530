/** How node types look on the wire, and how a stored custom node becomes a NodeTypeSpec the compiler can use. */
import type { NodeTypeSpec, PortSpec } from '@gatehouse/engine';
import type { CustomNodeRow } from './nodes.repo.ts';

export const CUSTOM_PREFIX = 'custom.';

export interface NodeTypeView {
  type: string;
  displayName: string;
  category: string;
  description: string;
  version: number;
  source: 'builtin' | 'custom';
  inputs: PortSpec[];
  outputs: PortSpec[];
  /** Extra outputs named by the config (logic.switch: `case0`, `case1` …). */
  dynamicOutputs?: { configKey: string; portPrefix: string };
  credentialTypes: string[];
  canPause: boolean;
  trigger: boolean;
  allowsCycles: boolean;
}

export function viewOf(spec: NodeTypeSpec): NodeTypeView {
  return {
    type: spec.type,
    displayName: spec.displayName,
    category: spec.category,
    description: spec.description,
    version: spec.version,
    source: spec.implementation ? 'custom' : 'builtin',
    inputs: [...spec.inputs],
    outputs: [...spec.outputs],
    ...(spec.dynamicOutputs ? { dynamicOutputs: { ...spec.dynamicOutputs } } : {}),
    credentialTypes: [...spec.credentialTypes],
    canPause: spec.canPause,
    trigger: spec.trigger,
    allowsCycles: spec.allowsCycles === true,
  };
}

/** A custom node's spec. Its `error` output is added like every built-in's, so errors can be routed from it too. */
export function specOfCustom(row: CustomNodeRow): NodeTypeSpec {
  const outputs = row.outputs.some((p) => p.id === 'error') ? row.outputs : [...row.outputs, { id: 'error', label: 'On error' }];
  return {
    type: `${CUSTOM_PREFIX}${row.slug}`,
    displayName: row.displayName,
    category: row.category,
    description: row.description,
    version: 1,
    configSchema: row.configSchema,
    inputs: row.inputs,
    outputs,
    credentialTypes: row.credentialTypes,
    // A sub-workflow may wait (for a person or a timer), so the node that runs it may too.
    canPause: row.implementation.kind === 'workflow',
    trigger: false,
    implementation: row.implementation,
  };
}

export interface CustomNodeView {
  id: string;
  type: string;
  slug: string;
  displayName: string;
  category: string;
  description: string;
  configSchema: Record<string, unknown>;
  inputs: PortSpec[];
  outputs: PortSpec[];
  credentialTypes: string[];
  implementation: CustomNodeRow['implementation'];
  createdAt: string;
}

export const customView = (row: CustomNodeRow): CustomNodeView => ({
  id: row.id,
  type: `${CUSTOM_PREFIX}${row.slug}`,
  slug: row.slug,
  displayName: row.displayName,
  category: row.category,
  description: row.description,
  configSchema: row.configSchema,
  inputs: row.inputs,
  outputs: row.outputs,
  credentialTypes: row.credentialTypes,
  implementation: row.implementation,
  createdAt: row.createdAt.toISOString(),
});
