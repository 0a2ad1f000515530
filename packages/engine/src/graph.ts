/**
 * The static shape of a workflow the scheduler needs: edges by source and target, and for each `logic.loop` node
 * its back edges (body → loop) and its body (the nodes an iteration runs and must reset before the next one).
 */
import type { WorkflowDefinition, WorkflowEdge, WorkflowNode } from './definition.ts';

export const LOOP_TYPE = 'logic.loop';
export const LOOP_PORT = 'loop';
export const DONE_PORT = 'done';

export interface Graph {
  readonly nodes: ReadonlyMap<string, WorkflowNode>;
  readonly incoming: ReadonlyMap<string, readonly WorkflowEdge[]>;
  readonly outgoing: ReadonlyMap<string, readonly WorkflowEdge[]>;
  /** Edge ids that close a loop (target is a logic.loop reached from its own body). */
  readonly backEdges: ReadonlySet<string>;
  /** For each loop node: the nodes of its body. */
  readonly loopBodies: ReadonlyMap<string, ReadonlySet<string>>;
  readonly triggers: readonly string[];
}

export function buildGraph(def: WorkflowDefinition, isTrigger: (type: string) => boolean): Graph {
  const nodes = new Map(def.nodes.map((n) => [n.id, n] as const));
  const incoming = new Map<string, WorkflowEdge[]>();
  const outgoing = new Map<string, WorkflowEdge[]>();
  for (const n of def.nodes) {
    incoming.set(n.id, []);
    outgoing.set(n.id, []);
  }
  for (const e of def.edges) {
    if (!nodes.has(e.source) || !nodes.has(e.target)) continue;
    outgoing.get(e.source)!.push(e);
    incoming.get(e.target)!.push(e);
  }
  const backEdges = new Set<string>();
  const loopBodies = new Map<string, Set<string>>();
  for (const n of def.nodes) {
    if (n.type !== LOOP_TYPE) continue;
    // The body: everything reachable from the loop port without passing through the loop node again.
    const body = new Set<string>();
    const stack = (outgoing.get(n.id) ?? []).filter((e) => (e.sourceHandle ?? LOOP_PORT) === LOOP_PORT).map((e) => e.target);
    while (stack.length) {
      const id = stack.pop()!;
      if (id === n.id || body.has(id)) continue;
      body.add(id);
      for (const e of outgoing.get(id) ?? []) stack.push(e.target);
    }
    loopBodies.set(n.id, body);
    for (const e of incoming.get(n.id) ?? []) if (body.has(e.source)) backEdges.add(e.id);
  }
  const triggers = def.nodes.filter((n) => isTrigger(n.type)).map((n) => n.id);
  return { nodes, incoming, outgoing, backEdges, loopBodies, triggers };
}
