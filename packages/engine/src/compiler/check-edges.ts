/**
 * Edge checks: ids, dangling ends, self-loops, ports, duplicates. Only edges that pass them all join the model's
 * graph: an edge from a port that does not exist never fires at run time, so the graph checks (cycles,
 * reachability, upstream) must not count it either.
 */
import type { WorkflowEdge } from '../definition.ts';
import { ID_PATTERN, type Model, type NodeInfo } from './model.ts';
import { q, type Problems } from './problems.ts';

/** The node's output ports: its type's, plus those its config names (logic.switch's `case0`, `case1` …). */
export function outputsOf(node: NodeInfo, config: unknown): ReadonlySet<string> {
  if (node.outputs) return node.outputs;
  const spec = node.spec!;
  const out = new Set(spec.outputs.map((p) => p.id));
  const dyn = spec.dynamicOutputs;
  if (dyn && config !== null && typeof config === 'object') {
    const items = (config as Record<string, unknown>)[dyn.configKey];
    if (Array.isArray(items)) {
      for (let i = 0; i < items.length; i++) out.add(`${dyn.portPrefix}${i}`);
    }
  }
  node.outputs = out;
  return out;
}

const list = (ports: Iterable<string>) => [...ports].map((p) => q(p)).join(', ');

export function checkEdges(edges: readonly WorkflowEdge[], configs: readonly unknown[], model: Model, problems: Problems): void {
  const edgeIds = new Map<string, number>();
  const seen = new Set<string>();
  edges.forEach((e, index) => {
    const id = e.id;
    const at = { edgeId: id };
    if (!ID_PATTERN.test(id)) problems.add('INVALID_ID', `Edge id ${q(id)} must be 1-64 letters, digits, "_" or "-"`, { ...at, path: '$.id' });
    const dup = edgeIds.get(id);
    if (dup === undefined) edgeIds.set(id, index);
    else problems.add('DUPLICATE_EDGE_ID', `Edges ${dup} and ${index} share the id ${q(id)}`, { ...at, path: '$.id' });

    const from = model.byId.get(e.source);
    const to = model.byId.get(e.target);
    if (from === undefined) problems.add('DANGLING_EDGE', `Edge ${q(id)} starts at ${q(e.source)}, which is not a node`, { ...at, path: '$.source' });
    if (to === undefined) problems.add('DANGLING_EDGE', `Edge ${q(id)} ends at ${q(e.target)}, which is not a node`, { ...at, path: '$.target' });
    if (from === undefined || to === undefined) return;
    if (from === to) {
      problems.add('SELF_LOOP', `Edge ${q(id)} connects ${q(e.source)} to itself`, at);
      return;
    }

    const before = problems.errors;
    const src = model.nodes[from]!;
    const dst = model.nodes[to]!;
    let sourcePort = e.sourceHandle;
    if (src.spec) {
      const outs = outputsOf(src, configs[from]);
      sourcePort ??= outs.values().next().value;
      if (outs.size === 0) {
        problems.add('UNKNOWN_PORT', `Edge ${q(id)}: ${q(src.id)} (${src.spec.type}) has no outputs`, { ...at, path: '$.source' });
      } else if (!outs.has(sourcePort!)) {
        problems.add('UNKNOWN_PORT', `Edge ${q(id)}: ${q(src.id)} (${src.spec.type}) has no output ${q(sourcePort!)}; it has ${list(outs)}`, {
          ...at,
          path: '$.sourceHandle',
        });
      }
    }
    let targetPort = e.targetHandle;
    if (dst.spec) {
      const ins = dst.spec.inputs;
      targetPort ??= ins[0]?.id;
      if (ins.length === 0) {
        problems.add('UNKNOWN_PORT', `Edge ${q(id)}: ${q(dst.id)} (${dst.spec.type}) has no inputs${dst.spec.trigger ? ' (triggers start a run; nothing leads into them)' : ''}`, {
          ...at,
          path: '$.target',
        });
      } else if (!ins.some((p) => p.id === targetPort)) {
        problems.add('UNKNOWN_PORT', `Edge ${q(id)}: ${q(dst.id)} (${dst.spec.type}) has no input ${q(targetPort!)}; it has ${list(ins.map((p) => p.id))}`, {
          ...at,
          path: '$.targetHandle',
        });
      }
    }
    const key = `${from}\u0000${sourcePort ?? ''}\u0000${to}\u0000${targetPort ?? ''}`;
    if (seen.has(key)) problems.add('DUPLICATE_EDGE', `Edge ${q(id)} repeats another edge between the same ports`, at);
    seen.add(key);
    if (problems.errors === before) model.edges.push({ from, to, index, id, sourcePort });
  });
}
