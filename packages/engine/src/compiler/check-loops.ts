/**
 * Loops: which edges close a `logic.loop`, and whether each loop's body can only be entered through the loop.
 *
 * A loop node L runs its body once per item: it fires its `loop` output, the body runs, and the edges from the
 * body back into L (its back edges) end the iteration. L's body is what its `loop` output reaches without passing
 * through L again — the definition the engine's scheduler uses (packages/engine/src/graph.ts), so the plan and the
 * run agree on which edges are back edges.
 *
 * That alone is not enough: if a body node that leads back to L can also be reached from outside the body (say
 * t → X → L, L.loop → A → X), the engine counts X → L as a back edge while X waits for an edge only the loop's own
 * iteration can deliver, and nothing runs. So every body node on a cycle through L must be entered only from L's
 * `loop` output or from other such body nodes; a loop whose body is entered elsewhere is a CYCLE error. With that
 * rule, every cycle left once the back edges are set aside is one no loop governs (also a CYCLE error), and every
 * node reachable from a trigger is reachable without back edges, so the plan holds all of them.
 *
 * Cost: one walk of each loop's cycle body. Valid loops nest (two bodies that share a node are one inside the
 * other), so a node lies in at most as many bodies as loops are nested around it; capping that depth caps the
 * whole check at maxLoopDepth × (nodes + edges), even for a hostile tangle of thousands of loops.
 */
import { buildGraph, type Components, type Graph } from './graph.ts';
import type { Model, ModelEdge } from './model.ts';
import { q, type Problems } from './problems.ts';

export const LOOP_PORT = 'loop';

/** In-edges by target: the graph with every edge reversed (its `edge` entries still index the model's edges). */
export function reverseGraph(model: Model): Graph {
  return buildGraph(
    model.nodes.length,
    model.edges.map((e) => ({ from: e.to, to: e.from, index: e.index })),
  );
}

/** What a cycle message shows: the loop first, then its body in the order found, cut short after ten. */
function cycleText(model: Model, loop: number, body: Int32Array, size: number): string {
  const ids = [loop, ...body.subarray(0, Math.min(size, 9))].map((v) => q(model.nodes[v]!.id));
  return ids.join(' → ') + (size + 1 > ids.length ? ` … (${size + 1} nodes)` : '');
}

/** The first edge into the body that comes neither from the body nor from the loop's `loop` output. */
function entrance(model: Model, reverse: Graph, loop: number, body: Int32Array, size: number, mark: Int32Array, stamp: number): ModelEdge | undefined {
  for (let b = 0; b < size; b++) {
    const v = body[b]!;
    for (let i = reverse.start[v]!; i < reverse.start[v + 1]!; i++) {
      const e = model.edges[reverse.edge[i]!]!;
      const inside = e.from === loop ? e.sourcePort === LOOP_PORT : mark[e.from] === stamp;
      if (!inside) return e;
    }
  }
  return undefined;
}

export interface LoopEdges {
  /** The back edges of every loop (indexes into `model.edges`). */
  readonly back: Set<number>;
  /** False when loops were nested too deeply to analyse them all: then `back` misses some. */
  readonly complete: boolean;
}

/**
 * Finds every loop's back edges. Reports each loop whose body is entered other than through its `loop` output
 * (CYCLE), and once, loops nested deeper than `maxDepth` (LOOPS_TOO_DEEP).
 */
export function loopBackEdges(model: Model, graph: Graph, reverse: Graph, c: Components, maxDepth: number, problems: Problems): LoopEdges {
  const n = model.nodes.length;
  const back = new Set<number>();
  const mark = new Int32Array(n);
  /** How many loops' bodies each node is in so far. */
  const depth = new Int32Array(n);
  const body = new Int32Array(n);
  let tooDeep = false;
  for (let loop = 0; loop < n; loop++) {
    const k = c.comp[loop]!;
    const node = model.nodes[loop]!;
    // A loop on no cycle has no back edges. Within its component, the nodes its `loop` output reaches without
    // passing through it are exactly its body nodes that lead back to it.
    if (node.spec?.allowsCycles !== true || node.duplicate || c.size[k]! < 2) continue;
    const stamp = loop + 1;
    let size = 0;
    let deep = false;
    const closes: number[] = [];
    for (let i = graph.start[loop]!; i < graph.start[loop + 1]! && !deep; i++) {
      const w = graph.to[i]!;
      if (model.edges[graph.edge[i]!]!.sourcePort !== LOOP_PORT || c.comp[w] !== k || mark[w] === stamp) continue;
      if (depth[w]! >= maxDepth) deep = true;
      else {
        mark[w] = stamp;
        depth[w]!++;
        body[size++] = w;
      }
    }
    for (let b = 0; b < size && !deep; b++) {
      const u = body[b]!;
      for (let i = graph.start[u]!; i < graph.start[u + 1]!; i++) {
        const w = graph.to[i]!;
        if (w === loop) closes.push(graph.edge[i]!);
        else if (c.comp[w] === k && mark[w] !== stamp) {
          if (depth[w]! >= maxDepth) {
            deep = true;
            break;
          }
          mark[w] = stamp;
          depth[w]!++;
          body[size++] = w;
        }
      }
    }
    if (deep) {
      if (!tooDeep) {
        problems.add(
          'LOOPS_TOO_DEEP',
          `Loop ${q(node.id)}: its body reaches nodes that are already inside ${maxDepth} other loops; at most ${maxDepth} loops may be nested ` +
            `(or the loops' cycles are tangled into one another)`,
          { nodeId: node.id },
        );
      }
      tooDeep = true;
      continue;
    }
    for (const e of closes) back.add(e);
    const bad = entrance(model, reverse, loop, body, size, mark, stamp);
    if (bad !== undefined) {
      const how = bad.from === loop ? `from the loop's own ${q(bad.sourcePort ?? '')} output` : `from ${q(model.nodes[bad.from]!.id)}, outside the loop`;
      problems.add(
        'CYCLE',
        `Cycle through ${cycleText(model, loop, body, size)}: edge ${q(bad.id)} enters the body of loop ${q(node.id)} at ${q(model.nodes[bad.to]!.id)} ${how}; ` +
          `a loop's body may be entered only through its "loop" output, and a cycle must return to the loop node from inside that body`,
        { nodeId: node.id, edgeId: bad.id },
      );
    }
  }
  return { back, complete: !tooDeep };
}
