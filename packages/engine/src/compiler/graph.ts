/**
 * Graph primitives over node indexes 0..n-1, all linear in nodes + edges and iterative (no recursion, so a
 * 2,000-node chain cannot overflow the stack).
 */

/** Compressed adjacency: the out-edges of v are positions start[v] .. start[v+1]-1 of `to` and `edge`. */
export interface Graph {
  readonly n: number;
  readonly start: Int32Array;
  readonly to: Int32Array;
  /** The position of each adjacency entry's edge in the list the graph was built from. */
  readonly edge: Int32Array;
}

export interface GraphEdge {
  readonly from: number;
  readonly to: number;
  /** Index in the definition's edges. */
  readonly index: number;
}

export function buildGraph<E extends GraphEdge>(n: number, edges: readonly E[], keep: (e: E, k: number) => boolean = () => true): Graph {
  const start = new Int32Array(n + 1);
  let m = 0;
  edges.forEach((e, k) => {
    if (!keep(e, k)) return;
    start[e.from + 1]!++;
    m++;
  });
  for (let v = 0; v < n; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, n);
  const to = new Int32Array(m);
  const edge = new Int32Array(m);
  edges.forEach((e, k) => {
    if (!keep(e, k)) return;
    const at = fill[e.from]!++;
    to[at] = e.to;
    edge[at] = k;
  });
  return { n, start, to, edge };
}

export interface Components {
  /** Component of each vertex. Numbered as Tarjan finishes them: sinks first, so a higher number is never reachable from a lower one. */
  readonly comp: Int32Array;
  readonly size: Int32Array;
  readonly count: number;
}

/** Strongly connected components (Tarjan), iteratively. */
export function stronglyConnected(g: Graph): Components {
  const { n, start, to } = g;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const ptr = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const stack: number[] = [];
  const frames: number[] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const open = (v: number) => {
      index[v] = low[v] = counter++;
      ptr[v] = start[v]!;
      stack.push(v);
      onStack[v] = 1;
      frames.push(v);
    };
    open(root);
    while (frames.length > 0) {
      const v = frames[frames.length - 1]!;
      if (ptr[v]! < start[v + 1]!) {
        const w = to[ptr[v]!++]!;
        if (index[w] === -1) open(w);
        else if (onStack[w] === 1 && index[w]! < low[v]!) low[v] = index[w]!;
        continue;
      }
      frames.pop();
      if (low[v] === index[v]) {
        const c = sizes.length;
        let size = 0;
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp[w] = c;
          size++;
        } while (w !== v);
        sizes.push(size);
      }
      const parent = frames[frames.length - 1];
      if (parent !== undefined && low[v]! < low[parent]!) low[parent] = low[v]!;
    }
  }
  return { comp, size: Int32Array.from(sizes), count: sizes.length };
}

/** Vertices reachable from `roots` (breadth first). */
export function reachableFrom(g: Graph, roots: readonly number[]): Uint8Array {
  const seen = new Uint8Array(g.n);
  const queue: number[] = [];
  for (const r of roots) {
    if (seen[r] === 1) continue;
    seen[r] = 1;
    queue.push(r);
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const v = queue[qi]!;
    for (let i = g.start[v]!; i < g.start[v + 1]!; i++) {
      const w = g.to[i]!;
      if (seen[w] === 1) continue;
      seen[w] = 1;
      queue.push(w);
    }
  }
  return seen;
}
