/**
 * Which output port an edge leaves from when it names none. The rule is the compiler's: the source node type's
 * first output port (its declared outputs, then those its config adds, as logic.switch's `case0` …). The engine
 * applies it with the compiler's own `outputsOf`, so a workflow that validates runs the way it validated.
 */
import { outputsOf } from './compiler/check-edges.ts';
import type { NodeTypeSpec, WorkflowNode } from './definition.ts';

/** The node's first output port by its type's spec; undefined without a spec or when the type has no outputs. */
export function firstOutputPort(node: WorkflowNode, spec: NodeTypeSpec | null | undefined): string | undefined {
  if (!spec) return undefined;
  return outputsOf({ id: node.id, spec, duplicate: false, refs: [] }, node.config).values().next().value;
}
