/**
 * Whole-graph checks and the plan. Every step is linear in nodes + edges, except the upstream check, which is
 * linear times (referenced nodes / 32) thanks to bitsets over the condensation, and the loop check, which walks
 * each loop's strongly connected component once per loop.
 *
 * Loops: a cycle is allowed only when it returns to a logic.loop node from inside that loop's own body, through a
 * body entered only by the loop's `loop` output (check-loops.ts). The edges that close such loops are the plan's
 * back edges; the graph without them must be acyclic, which gives the order and the levels.
 */
import type { ExecutionPlan } from '../definition.ts';
import { loopBackEdges, reverseGraph } from './check-loops.ts';
import { buildGraph, reachableFrom, stronglyConnected, type Components, type Graph } from './graph.ts';
import type { Model } from './model.ts';
import { linkToPath } from './paths.ts';
import { q, type Problems } from './problems.ts';
import type { CompileLimits } from './types.ts';

export function triggersOf(model: Model): number[] {
  const out: number[] = [];
  model.nodes.forEach((n, i) => {
    if (!n.duplicate && n.spec?.trigger === true) out.push(i);
  });
  return out;
}

/** Every cycle that remains once the loops' back edges are set aside is one no loop governs. */
function checkCycles(model: Model, back: ReadonlySet<number>, problems: Problems): void {
  const withoutBack = buildGraph(model.nodes.length, model.edges, (_e, k) => !back.has(k));
  const c = stronglyConnected(withoutBack);
  const members = new Map<number, string[]>();
  model.nodes.forEach((n, i) => {
    const k = c.comp[i]!;
    if (c.size[k]! < 2) return;
    const list = members.get(k);
    if (list) list.push(n.id);
    else members.set(k, [n.id]);
  });
  for (const ids of members.values()) {
    const shown = ids.slice(0, 10).map(q).join(' → ') + (ids.length > 10 ? ` … (${ids.length} nodes)` : '');
    problems.add('CYCLE', `Cycle through ${shown}: a cycle must return to a logic.loop node from inside the body its "loop" output starts`, { nodeId: ids[0]! });
  }
}

function checkReachable(model: Model, graph: Graph, triggers: readonly number[], problems: Problems): Uint8Array {
  const seen = reachableFrom(graph, triggers);
  if (triggers.length === 0) return seen;
  model.nodes.forEach((n, i) => {
    if (seen[i] === 0 && !n.duplicate) problems.add('UNREACHABLE', `Node ${q(n.id)} is not reachable from any trigger and will never run`, { nodeId: n.id });
  });
  return seen;
}

/** Nodes listed by component, so a component's members can be walked together. */
function membersByComponent(c: Components): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(c.count + 1);
  for (let v = 0; v < c.comp.length; v++) start[c.comp[v]! + 1]!++;
  for (let k = 0; k < c.count; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, c.count);
  const list = new Int32Array(c.comp.length);
  for (let v = 0; v < c.comp.length; v++) list[fill[c.comp[v]!]!++] = v;
  return { start, list };
}

/** Every `$node.<id>` must name a node from which a path leads to the reader (in a loop, its body counts both ways). */
function checkUpstream(model: Model, graph: Graph, c: Components, problems: Problems): void {
  const slot = new Int32Array(model.nodes.length).fill(-1);
  let targets = 0;
  for (const n of model.nodes) {
    if (n.duplicate) continue;
    for (const r of n.refs) {
      const t = model.byId.get(r.id);
      if (t !== undefined && slot[t] === -1) slot[t] = targets++;
    }
  }
  const words = Math.ceil(targets / 32);
  // reach[k]: the referenced nodes upstream of component k. Components are numbered sinks first, so walking them
  // from the highest number down visits every component after all of its predecessors.
  const reach = new Uint32Array(c.count * words);
  if (targets > 0) {
    const own = new Uint32Array(c.count * words);
    for (let v = 0; v < slot.length; v++) if (slot[v]! >= 0) own[c.comp[v]! * words + (slot[v]! >>> 5)]! |= 1 << (slot[v]! & 31);
    const { start, list } = membersByComponent(c);
    for (let k = c.count - 1; k >= 0; k--) {
      for (let m = start[k]!; m < start[k + 1]!; m++) {
        const u = list[m]!;
        for (let i = graph.start[u]!; i < graph.start[u + 1]!; i++) {
          const d = c.comp[graph.to[i]!]!;
          if (d === k) continue;
          for (let w = 0; w < words; w++) reach[d * words + w]! |= reach[k * words + w]! | own[k * words + w]!;
        }
      }
    }
  }
  model.nodes.forEach((n, x) => {
    if (n.duplicate) return;
    for (const r of n.refs) {
      const path = linkToPath('$.config', r.at);
      const y = model.byId.get(r.id);
      if (y === undefined) {
        problems.add('EXPRESSION_UNKNOWN_NODE', `Node ${q(n.id)} reads $node.${r.id}, but there is no node ${q(r.id)}`, { nodeId: n.id, path });
        continue;
      }
      const kx = c.comp[x]!;
      const ky = c.comp[y]!;
      const upstream = kx === ky ? c.size[kx]! > 1 : (reach[kx * words + (slot[y]! >>> 5)]! & (1 << (slot[y]! & 31))) !== 0;
      if (!upstream) {
        const why = x === y ? 'a node cannot read its own output' : 'no path leads from it to this node';
        problems.add('EXPRESSION_NOT_UPSTREAM', `Node ${q(n.id)} reads $node.${r.id}, but ${q(r.id)} is not upstream (${why})`, { nodeId: n.id, path });
      }
    }
  });
}

/**
 * Levels by longest path from the triggers over the graph without back edges; order is the levels in sequence.
 * Only called when every check passed, which guarantees that graph is acyclic and holds every reachable node.
 */
function plan(model: Model, graph: Graph, back: ReadonlySet<number>, triggers: readonly number[], reachable: Uint8Array): ExecutionPlan {
  const n = model.nodes.length;
  const indegree = new Int32Array(n);
  model.edges.forEach((e, k) => {
    if (reachable[e.from] === 1 && !back.has(k)) indegree[e.to]!++;
  });
  const level = new Int32Array(n);
  const queue = [...triggers];
  let deepest = 0;
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi]!;
    if (level[u]! > deepest) deepest = level[u]!;
    for (let i = graph.start[u]!; i < graph.start[u + 1]!; i++) {
      if (back.has(graph.edge[i]!)) continue;
      const w = graph.to[i]!;
      if (level[u]! + 1 > level[w]!) level[w] = level[u]! + 1;
      if (--indegree[w]! === 0) queue.push(w);
    }
  }
  // A plan that leaves out a node it should run would be a silent wrong answer: fail loudly instead (a bug, never
  // a user's mistake; the property tests in plan.test.ts hold the checks to this).
  const expected = reachable.reduce((sum, r) => sum + r, 0);
  if (queue.length !== expected) throw new Error(`compiler: the plan places ${queue.length} of ${expected} reachable nodes`);
  const levels: string[][] = Array.from({ length: queue.length > 0 ? deepest + 1 : 0 }, () => []);
  // Walking nodes in definition order keeps each level in definition order: deterministic, and what the author sees.
  const placed = new Uint8Array(n);
  for (const v of queue) placed[v] = 1;
  model.nodes.forEach((node, v) => {
    if (placed[v] === 1) levels[level[v]!]!.push(node.id);
  });
  return {
    entryNodes: triggers.map((t) => model.nodes[t]!.id),
    order: levels.flat(),
    levels,
    backEdges: model.edges.filter((_e, k) => back.has(k)).map((e) => e.id),
  };
}

export function checkGraph(model: Model, limits: CompileLimits, problems: Problems): () => ExecutionPlan {
  const triggers = triggersOf(model);
  if (triggers.length === 0) problems.add('NO_TRIGGER', 'The workflow has no trigger node (manual, webhook or schedule), so it can never start');
  const graph = buildGraph(model.nodes.length, model.edges);
  const components = stronglyConnected(graph);
  const { back, complete } = loopBackEdges(model, graph, reverseGraph(model), components, limits.maxLoopDepth, problems);
  // Without every loop's back edges, the cycles left would include loops that are fine but were not analysed.
  if (complete) checkCycles(model, back, problems);
  const reachable = checkReachable(model, graph, triggers, problems);
  checkUpstream(model, graph, components, problems);
  return () => plan(model, graph, back, triggers, reachable);
}
