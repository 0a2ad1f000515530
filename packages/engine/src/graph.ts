/**
 * The static shape of a workflow the scheduler needs: edges by source and target, the output port each edge leaves
 * from, and for each `logic.loop` node its back edges (body → loop) and its body (the nodes an iteration runs and
 * must reset before the next one).
 */
import type { WorkflowDefinition, WorkflowEdge, WorkflowNode } from './definition.ts';

export const LOOP_TYPE = 'logic.loop';
export const LOOP_PORT = 'loop';
export const DONE_PORT = 'done';

export interface Graph {
  readonly nodes: ReadonlyMap<string, WorkflowNode>;
  readonly incoming: ReadonlyMap<string, readonly WorkflowEdge[]>;
  readonly outgoing: ReadonlyMap<string, readonly WorkflowEdge[]>;
  /** The output port of every edge's source: its `sourceHandle`, or the source type's first output (node-ports.ts). */
  readonly portOf: ReadonlyMap<string, string>;
  /** Edge ids that close a loop (target is a logic.loop reached from its own body). */
  readonly backEdges: ReadonlySet<string>;
  /** For each loop node: the nodes of its body. */
  readonly loopBodies: ReadonlyMap<string, ReadonlySet<string>>;
  readonly triggers: readonly string[];
}

/** Without a node type spec: a loop's first output is `loop`, anything else's `main` (the catalog's defaults). */
export function fallbackPort(type: string): string {
  return type === LOOP_TYPE ? LOOP_PORT : 'main';
}

/**
 * `firstOutput` gives a node's first output port by its type's spec (see node-ports.ts); edges without a
 * `sourceHandle` leave from it.
 */
export function buildGraph(def: WorkflowDefinition, isTrigger: (type: string) => boolean, firstOutput: (node: WorkflowNode) => string | undefined = () => undefined): Graph {
  const nodes = new Map(def.nodes.map((n) => [n.id, n] as const));
  const incoming = new Map<string, WorkflowEdge[]>();
  const outgoing = new Map<string, WorkflowEdge[]>();
  const portOf = new Map<string, string>();
  for (const n of def.nodes) {
    incoming.set(n.id, []);
    outgoing.set(n.id, []);
  }
  for (const e of def.edges) {
    const source = nodes.get(e.source);
    if (!source || !nodes.has(e.target)) continue;
    outgoing.get(e.source)!.push(e);
    incoming.get(e.target)!.push(e);
    portOf.set(e.id, e.sourceHandle ?? firstOutput(source) ?? fallbackPort(source.type));
  }
  const backEdges = new Set<string>();
  const loopBodies = new Map<string, Set<string>>();
  for (const n of def.nodes) {
    if (n.type !== LOOP_TYPE) continue;
    // The body: everything reachable from the loop port without passing through the loop node again.
    const body = new Set<string>();
    const stack = (outgoing.get(n.id) ?? []).filter((e) => portOf.get(e.id) === LOOP_PORT).map((e) => e.target);
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
  return { nodes, incoming, outgoing, portOf, backEdges, loopBodies, triggers };
}
